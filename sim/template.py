"""The application template: every field with its Chinese term and where a plan states it.

``restoresim new [--out FILE]`` writes a commented TOML proposal. Each required field is written
with a placeholder that does not validate (``nan``, ``""``, ``"true or false"``), followed by an
example value, so an unfilled field is refused by name; optional fields are commented out with
their default. :data:`WHERE` maps every field of the contract to its term in a Chinese plan and
the chapter and table where the 开发利用方案 (exploitation plan, "开发") or the 矿山生态保护修复方案
(restoration plan, "修复") states it. Chapter names follow the usual outlines of the two plans
(the 开发利用方案 编写大纲 and the 矿山地质环境保护与土地复垦方案 outline its restoration plans
grew from); numbering varies between plans, so search by the chapter's and table's name.

The comments are written in the current language (:func:`sim.i18n.use_lang`; ``restoresim new
--lang zh``): the English texts here and the fields' descriptions in :mod:`sim.proposal` are
catalogue messages, translated when the template is written; keys, allowed values and example
values are the contract's and stay as they are.
"""

from __future__ import annotations

import datetime
import re
import textwrap
import tomllib
import unicodedata
from typing import Any

from sim.contract import UNIT_NAMES, FieldSpec, field_specs
from sim.i18n import N_, _, current_lang, gettext
from sim.params import input_defaults

__all__ = ["WHERE", "markdown_table", "template_text", "where_text"]

#: field path (a land-use share by its table) -> (Chinese term, where it is found, unit hint)
WHERE: dict[str, tuple[str, str, str]] = {
    "proposal.id": ("申请编号 / 项目编号", N_("出让公告或申请书; the reviewer's file number"), ""),
    "proposal.name": ("矿山名称", N_("both plans: 封面; 开发 第1章 概述"), ""),
    "proposal.mineral": ("开采矿种", "采矿权出让公告; 开发 第1章 概述", ""),
    "proposal.method": ("开采方式", N_("开发 第4章 主要建设方案 (开采方式): 露天开采 only"), ""),
    "proposal.region": ("所在地区", N_("开发 第1章 交通位置; the parameter library's region"), ""),
    "proposal.licensed_area_ha": (
        "矿区面积",
        "开发 第1章 矿区范围 (拐点坐标表); 修复 第1章 矿山基本情况",
        "km² × 100 = ha; 亩 ÷ 15 = ha",
    ),
    "proposal.start_date": (
        "方案适用年限起始 / 基建开始",
        "修复 工作部署 (方案服务年限、适用期); 开发 基建进度计划",
        "",
    ),
    "extraction.reserves_mt": (
        "设计可采储量 (可采资源量)",
        N_("开发 第3章 资源储量 and 第5章 矿床开采 (设计利用资源量、可采储量表)"),
        "万 t ÷ 100 = Mt; 万 m³ × 体重 ÷ 100 = Mt",
    ),
    "extraction.annual_output_mt": (
        "生产规模",
        "开发 第4章 主要建设方案 (生产规模与服务年限)",
        "万 t/a ÷ 100 = Mt/yr",
    ),
    "extraction.ramp_up_years": (
        "达产期 (投产后以半产能生产的年数; 不出矿的基建期不计)",
        "开发 第4章 (服务年限: 基建期、达产期) / 生产进度计划",
        "a",
    ),
    "extraction.rock_density_t_per_m3": ("矿石体重 (小体重)", "开发 第3章 矿石质量 (体重)", "t/m³"),
    "extraction.mined_thickness_m": (
        N_("平均开采厚度 (no plan states it; leave out when the design geometry is given)"),
        "开发 第5章 露天开采境界: 境界内矿岩量 (m³) ÷ 采场面积 (m²)",
        N_("m; mean depth over the pit"),
    ),
    "extraction.stripping_ratio": (
        "平均剥采比",
        "开发 第5章 露天开采境界 (境界内矿岩量表)",
        "t/t; m³/m³ × 废石体重 ÷ 矿石体重 = t/t",
    ),
    "extraction.dump_height_m": (
        "排土场平均堆高 (排土场容积 ÷ 占地面积; 不是最大堆高)",
        "开发 第5章 排土场 (容积、占地面积); 修复 土地损毁 (压占)",
        "m³ ÷ m² = m",
    ),
    "extraction.infrastructure_area_ha": (
        "工业场地、道路、堆场 面积",
        "修复 第3章 土地损毁预测 (压占面积, 土地损毁汇总表)",
        "m² ÷ 10,000 = ha",
    ),
    "site.mean_slope_deg": ("地形坡度", "修复 第2章 矿区基础信息 (地形地貌)", "°"),
    "site.pit_type": (
        "开采方式 (山坡露天 = hillside / 凹陷露天 = closed)",
        "开发 第5章 开采方式与开采境界",
        "",
    ),
    "site.final_highwall_slope_deg": (
        "最终边坡角",
        "开发 第5章 露天开采境界 (边坡参数表)",
        N_("° (overall, not bench face)"),
    ),
    "site.final_highwall_height_m": (
        "最终边坡高度",
        "开发 第5章 露天开采境界 (边坡参数表)",
        N_("m; with the design: top − bottom"),
    ),
    "site.pit_area_ha": (
        "开采境界 / 采场面积 (露天开采范围)",
        "开发 第5章 露天开采境界 (境界圈定结果、开采境界参数表)",
        "m² ÷ 10,000 = ha; km² × 100 = ha",
    ),
    "site.pit_top_elevation_m": (
        "开采标高 (最高)",
        "采矿许可证 / 出让公告 开采深度; 开发 第5章 开采境界 (开采标高)",
        "m",
    ),
    "site.pit_bottom_elevation_m": (
        "开采标高 (最低, 最低开采标高 / 坑底标高)",
        "采矿许可证 / 出让公告 开采深度; 开发 第5章 开采境界 (开采标高)",
        "m",
    ),
    "site.pit_volume_m3": (
        "境界内矿岩总量 (矿石 + 废石, 断面法)",
        "开发 第5章 开采境界 (境界内矿岩量表)",
        "m³",
    ),
    "site.bench_height_m": ("台阶高度", "开发 第5章 开采境界 (边坡参数表: 台阶高度)", "m"),
    "site.bench_width_m": (
        "平台宽度 (安全平台 / 清扫平台)",
        "开发 第5章 开采境界 (边坡参数表: 平台宽度)",
        "m",
    ),
    "site.soil_depth_cm": ("表土 (耕作层) 厚度", "修复 第2章 土壤; 表土剥离工程", "m × 100 = cm"),
    "site.annual_precipitation_mm": ("多年平均降水量", "修复 第2章 自然地理 (气象)", "mm"),
    "site.substrate": (
        "岩性 / 废石性质 (酸性、重金属)",
        "开发 第3章 矿区地质; 修复 第3章 影响评估",
        "",
    ),
    "restoration.target_land_use": (
        "复垦方向 (林地、草地、灌木林地、耕地、坑塘水面)",
        N_("修复 土地复垦适宜性评价; 复垦前后地类变化表 (面积 ÷ 复垦总面积 = share)"),
        N_("shares of the area"),
    ),
    "restoration.progressive_fraction": (
        "边开采边治理 (阶段治理面积)",
        "修复 工作部署 (阶段工作计划、近期年度计划)",
        '% ÷ 100 = 0-1; "30%"',
    ),
    "restoration.progressive_lag_years": ("治理滞后年限", "修复 工作部署 (阶段工作计划)", "a"),
    "restoration.closure_years": ("闭坑后治理期", "修复 工作部署 (方案服务年限)", "a"),
    "restoration.monitoring_years": ("管护期", "修复 监测与管护 (管护年限, 一般 3 a)", "a"),
    "restoration.topsoil_stripped": ("表土剥离", "修复 工程设计 (表土剥离与堆存)", "true/false"),
    "restoration.import_topsoil": ("客土", "修复 工程设计 (覆土工程: 土源)", "true/false"),
    "restoration.substrate_amendment": (
        "土壤 (基质) 改良",
        "修复 工程设计 (土壤改良、污染治理)",
        "true/false",
    ),
    "restoration.wall_spray_share": (
        "边坡喷播面积比例 (挂网喷播、厚层基材喷播)",
        "修复 工程设计 (边坡复绿工程: 喷播面积 ÷ 边坡岩面面积)",
        '% ÷ 100 = 0-1; "30%"',
    ),
    "finance.ore_price_cny_per_t": ("产品销售价格", "开发 第8章 经济评价 (销售收入)", "元/t"),
    "finance.plan_restoration_cost_cny": (
        "修复工程 总投资 (基金按此计提: 方案计提所依据的总额, 通常为动态总投资)",
        "修复 经费估算 (投资估算汇总表)",
        "万元 × 10,000 = CNY",
    ),
    "finance.fund_basis": ("基金计提方式", "修复 经费估算 (矿山生态修复基金计提)", ""),
    "finance.fund_rate_of_revenue": (
        "基金计提比例",
        "修复 经费估算 (基金计提)",
        '% ÷ 100 = 0-1; "3%"',
    ),
    "finance.bond_cny": (
        "保证金 / 履约担保",
        N_("出让合同; abolished nationally in 2017, usually 0"),
        "万元 × 10,000",
    ),
    "finance.fund_initial_deposit_cny": (
        "基金首次计提 (开工前存入)",
        "修复 经费估算 (基金计提计划); 三方监管协议",
        "万元 × 10,000 = CNY",
    ),
    "finance.fund_interest_rate": ("基金存款利率", N_("not in the plans: default"), '1/yr; "1.5%"'),
    "finance.discount_rate": ("折现率 (基准收益率)", "开发 第8章 经济评价", '1/yr; "6%"'),
    "finance.inflation_rate": (
        "价差预备费费率 (涨价率)",
        "修复 经费估算 (预备费: 价差预备费)",
        '1/yr; "2%"',
    ),
    "finance.operator_default_hazard_per_year": (
        "企业中途退出（弃矿）年概率", N_("reviewer's judgement: default"), '1/yr; "1%"'
    ),
    "location.boundary": (
        "矿区范围拐点坐标",
        N_("出让公告; 开发 第1章 (拐点坐标表) → a GeoJSON/Shapefile"),
        "",
    ),
    "location.central_meridian_deg": (
        "中央经线 (中央子午线)",
        N_("出让公告; 开发 第1章 (拐点坐标表的坐标系说明)"),
        "deg",
    ),
}

_EXAMPLE: dict[str, Any] = {
    "proposal.start_date": "2026-03-01",
    # the packaged example's pit as a plan designs it: a 14 ha hillside cut (its ground is 18°)
    # from +240 to +140 m, which holds its 12 Mt with their waste (model/SPEC.md §3a)
    "site.pit_area_ha": 14.0,
    "site.pit_top_elevation_m": 240.0,
    "site.pit_bottom_elevation_m": 140.0,
    "site.bench_height_m": 15.0,
    "site.bench_width_m": 4.0,
}

#: optional fields that every plan states: written to be filled in, like the required ones
TO_FILL: tuple[str, ...] = (
    "site.pit_area_ha",
    "site.pit_top_elevation_m",
    "site.pit_bottom_elevation_m",
    "site.bench_height_m",
    "site.bench_width_m",
)
#: required unless the design geometry is given: written commented out, with its example
LEAVE_OUT_WITH_DESIGN: tuple[str, ...] = (
    "extraction.mined_thickness_m",
    "site.final_highwall_height_m",
)

#: the optional [bill] (sim.contract.bill_field_specs): field -> (Chinese term, example value)
BILL_WHERE: dict[str, tuple[str, Any]] = {
    "bill.money_unit": ("合价、费用的金额单位", "万元"),
    "bill.file": ("工程量清单表 (CSV/XLSX)", "bill.csv"),
    "bill.other_fees": ("其他费用", 70.0),
    "bill.contingency": ("预备费", 55.0),
    "bill.items[].measure": ("项目名称", "挂网喷播 (最终边坡)"),
    "bill.items[].quantity": ("工程量", 48000.0),
    "bill.items[].unit": ("单位", "m²"),
    "bill.items[].unit_price_cny": ("综合单价 (元)", 110.0),
    "bill.items[].amount": ("合价", 528.0),
    "bill.items[].maps_to": ("对应的模型措施", "wall_greening"),
}


def _where_key(path: str) -> str:
    return path.rsplit(".", 1)[0] if path.startswith("restoration.target_land_use.") else path


def _example_values() -> dict[str, Any]:
    import sim

    data = tomllib.loads(sim.example_path().read_text("utf-8"))
    out: dict[str, Any] = dict(_EXAMPLE)
    for section, table in data.items():
        for key, value in table.items():
            out[f"{section}.{key}"] = value
    return out


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e5:
        return f"{int(value):_}.0"
    return repr(value)


#: punctuation that must not begin a line of Chinese (it stays with the character before it)
_NO_LINE_START = set("，。；：、）》」』”！？%,.;:)]/")
#: punctuation that must not end a line (it stays with the character after it)
_NO_LINE_END = set("（《「『“([")
_WIDTH = 98


def _columns(text: str) -> int:
    """Terminal columns of ``text`` (CJK and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap_cjk(text: str, width: int, prefix: str) -> list[str]:
    """``text`` in lines of at most ``width`` columns after ``prefix``: breaks at spaces and
    between Chinese characters, never inside a word, number or identifier."""
    tokens = re.findall(r" +|[^\s\u2e80-\u9fff\uff00-\uffef]+|[\u2e80-\u9fff\uff00-\uffef]", text)
    merged: list[str] = []
    for tok in tokens:  # punctuation stays on the line of what it opens or closes
        glued = merged and not tok.isspace() and not merged[-1].isspace()
        if glued and (tok[0] in _NO_LINE_START or merged[-1][-1] in _NO_LINE_END):
            merged[-1] += tok
        else:
            merged.append(tok)
    lines, line = [], ""
    for tok in merged:
        if line and _columns(line + tok.rstrip()) > width:
            lines.append(line.rstrip())
            line = "" if tok.isspace() else tok
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return [prefix + x for x in lines]


def _comment(text: str) -> list[str]:
    if current_lang() == "en":
        return textwrap.wrap(
            text, _WIDTH, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False
        )
    return _wrap_cjk(text, _WIDTH - 2, "# ")


def _placeholder(spec: FieldSpec) -> str:
    if spec.kind in ("float", "int"):
        return "nan"
    if spec.kind == "bool":
        return '"true or false"'
    return '""'


def _allowed(spec: FieldSpec) -> str:
    """The allowed values; in Chinese each with its Chinese name, which the file may give
    instead (:func:`sim.contract.chinese_names`)."""
    allowed = spec.allowed()
    if not allowed:
        return ""
    names: dict[str, str] = {}
    if current_lang() == "zh":
        from sim.contract import chinese_names

        for name, value in chinese_names().get(spec.path, {}).items():
            names.setdefault(value, name)  # the first name listed is the plans' usual one
    shown = _(", ").join(f"{v}（{names[v]}）" if v in names else str(v) for v in allowed)
    text = _(" Allowed: {values}.", values=shown)
    if names:
        text += _(" The Chinese name may be written instead.")
    return text


def where_text(path: str) -> tuple[str, str, str]:
    """:data:`WHERE` of ``path`` in the current language (a unit hint that is one of the
    contract's units, ``1/yr``, reads as the field's unit does)."""
    term, where, unit = (gettext(x) if x else x for x in WHERE[_where_key(path)])
    return term, where, gettext(unit, "unit") if unit in UNIT_NAMES else unit


def template_text() -> str:
    """The commented application template (TOML), its comments in the current language
    (:func:`sim.i18n.use_lang`); keys, allowed values and examples are the contract's."""
    from sim.proposal import Restoration

    examples = _example_values()
    specs = field_specs()
    defaults = input_defaults()
    eg = _("e.g.")
    lines = _comment(
        _(
            "restoresim application template (written by `restoresim new`). Above each field: "
            "its term in the plans, where they state it (开发 = 矿产资源开发利用方案, 修复 = "
            "矿山生态保护修复方案), the unit conversion, and what the field means. Replace every "
            'placeholder (nan, "", "true or false") with the plan\'s figure in the field\'s '
            "unit; 'e.g.' shows the packaged example quarry. A quantity may also be written as "
            'the plan states it, with its unit, in quotes: reserves_mt = "2180.9 万t", '
            'licensed_area_ha = "0.248 km²", plan_restoration_cost_cny = "620 万元". An '
            "unfilled field is refused by name. Lines '# key = ...' are optional: remove the "
            "'# ' to state them, else the default applies. Check: restoresim evaluate THIS_FILE"
        )
    )
    section = ""
    done_shares = False
    for path, spec in specs.items():
        sec, key = path.split(".", 1)
        if sec != section:
            section = sec
            optional_section = sec == "location"
            lines += ["", f"{'# ' if optional_section else ''}[{sec}]"]
        term, where, unit = where_text(path)
        if path.startswith("restoration.target_land_use."):
            if done_shares:
                continue
            done_shares = True
            key = "target_land_use"
            desc = gettext(Restoration.model_fields["target_land_use"].description or "")
            lines += _comment(
                _("{term} — {where}. {text}.", term=term, where=where, text=desc.rstrip("。."))
            )
            example = _toml(examples.get("restoration.target_land_use"))
            lines.append(
                "target_land_use = { forest = nan, grassland = nan, shrub = nan, farmland = nan, "
                f"water = nan }}  # {eg} {example}"
            )
            continue
        unit_text = f" [{unit}]" if unit else ""
        lines += _comment(
            _(
                "{term} — {where}{unit}. {text}.{allowed}",
                term=term,
                where=where,
                unit=unit_text,
                text=spec.describe(),
                allowed=_allowed(spec),
            )
        )
        example = examples.get(path)
        if spec.required or path in TO_FILL:
            shown = f"  # {eg} {_toml(example)}" if example is not None else ""
            if not spec.required:  # every plan states it, but the file may go without it
                lines += _comment(_("Optional: delete this line if the plan gives none."))
            lines.append(f"{key} = {_placeholder(spec)}{shown}")
        else:
            if path in LEAVE_OUT_WITH_DESIGN:
                default = _("leave out when the design geometry ([site] pit_area_ha …) is given")
            elif path in defaults:
                default = _(
                    "default {value} [{source}]",
                    value=repr(defaults[path].value),
                    source=defaults[path].source,
                )
            elif spec.default is not None:
                default = _("default {value}", value=_toml(spec.default))
            else:
                default = _("optional")
            if path in defaults:  # uncommenting the line as written keeps the default
                value = _toml(defaults[path].value)
            else:
                value = _toml(example) if example is not None else _placeholder(spec)
            lines.append(f"# {key} = {value}  # {default}")
    lines += bill_block()
    return "\n".join(lines).strip() + "\n"


def bill_block() -> list[str]:
    """The optional ``[bill]`` of the template, commented out: the table's fields, then one
    ``[[bill.items]]`` with every column (remove the '# ' of the lines to state it)."""
    from sim.contract import bill_field_specs

    specs = bill_field_specs()
    intro = _comment(
        _(
            "[bill] (optional) — 修复 经费估算 (投资估算表, 工程量及单价表): the plan's bill of "
            "quantities, item by item, to set beside ours in the verdict and the report. Give "
            "the items here ([[bill.items]], one per row of the plan's table) and/or in a "
            "CSV/XLSX file (file = ...). Item names are the plan's own (削坡, 挂网喷播, 种植槽, "
            "覆土, 平整, 排水沟, 挡土墙, 植树, 撒播草籽, 管护 …); unknown names are kept as 'not "
            "modelled'. To state it, remove the '# ' before [bill], [[bill.items]] and their "
            "'key = value' lines (file only when the items are in a file); the values are "
            "examples."
        )
    )
    lines = ["", *intro, "# [bill]"]
    items_header_done = False
    ordered = sorted(specs.items(), key=lambda kv: kv[0].startswith("bill.items[]."))
    for path, spec in ordered:
        term, example = BILL_WHERE[path]
        key = path.rsplit(".", 1)[1]
        if path.startswith("bill.items[].") and not items_header_done:
            items_header_done = True
            lines += [
                "#",
                *_comment(_("One table per item of the plan's bill:")),
                "# [[bill.items]]",
            ]
        lines += _comment(
            _(
                "{term}. {text}.{allowed}",
                term=term,
                text=spec.describe(),
                allowed=_allowed(spec),
            )
        )
        lines.append(f"# {key} = {_toml(example)}")
    return lines


def markdown_table() -> str:
    """The README's table: field, Chinese term, where a plan states it, unit conversion."""
    rows = ["| field | 中文 | where in the plans | unit / conversion |", "|---|---|---|---|"]
    for path, (term, where, unit) in WHERE.items():
        rows.append(f"| `{path}` | {term} | {where} | {unit} |")
    return "\n".join(rows) + "\n"
