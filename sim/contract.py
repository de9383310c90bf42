"""The input contract as a flat list of fields, generated from the proposal models.

:class:`sim.proposal.Proposal` declares every field once (type, required or optional, default,
bounds, pattern, allowed values). :func:`field_specs` reads that declaration into one
:class:`FieldSpec` per dotted column path (``extraction.reserves_mt``, one column per land use
``restoration.target_land_use.forest``, ``location.boundary``), so that the columnar
:class:`sim.portfolio.Portfolio` checks exactly what the files check, and the application
template (:mod:`sim.template`) lists exactly the fields the files take.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.i18n import NP_
from sim.keys import LAND_USES
from sim.params import load_library

__all__ = [
    "LAND_USE_NAMES",
    "NAMED_VALUE_FIELDS",
    "NESTED_SECTIONS",
    "UNIT_NAMES",
    "FieldSpec",
    "bill_field_specs",
    "canonical_value",
    "chinese_names",
    "field_specs",
]

Kind = Literal["float", "int", "bool", "str", "literal", "date"]

#: fields whose allowed values are a table of the parameter library
LIBRARY_TABLES: dict[str, Callable[[], list[str]]] = {
    "proposal.mineral": lambda: list(load_library().minerals),
    "proposal.region": lambda: list(load_library().regions),
    "site.substrate": lambda: list(load_library().substrates),
}


#: the Chinese a plan (or a reviewer) writes for a field's allowed value, by field path; the
#: minerals and regions take their names from the message catalogue (:func:`chinese_names`)
CHINESE_VALUES: dict[str, dict[str, str]] = {
    "proposal.method": {
        "露天开采": "open_pit", "露天": "open_pit",
        "地下开采": "underground", "地下": "underground", "井工开采": "underground",
    },
    "proposal.mineral": {  # as plans and licences also write them (the catalogue's names too)
        "石灰石": "limestone", "灰岩": "limestone", "水泥用石灰岩": "limestone",
        "建筑石料用灰岩": "limestone", "熔剂用石灰岩": "limestone", "白云石": "dolomite",
        "花岗石": "granite", "建筑用花岗岩": "granite", "建筑用砂岩": "sandstone",
        "砂石": "aggregate", "建筑用砂": "aggregate", "粘土": "clay", "砖瓦用粘土": "clay",
        "砖瓦用黏土": "clay", "锰": "manganese", "铅锌": "lead_zinc",
        "煤炭": "coal", "钨": "tungsten", "锑": "antimony", "铁": "iron",
        "建筑用凝灰岩": "aggregate", "建筑用辉绿岩": "aggregate", "建筑用石料": "aggregate",
        "建筑石料": "aggregate", "建筑用白云岩": "dolomite", "冶金用白云岩": "dolomite",
        "砖瓦用页岩": "shale", "水泥配料用页岩": "shale", "页岩矿": "shale",
        "石英岩": "silica", "石英砂岩": "silica", "玻璃用石英砂岩": "silica",
        "冶金用石英岩": "silica", "脉石英": "silica", "石英砂": "silica", "硅石矿": "silica",
        "大理石": "marble", "饰面用大理岩": "marble", "建筑用大理岩": "marble",
        "高岭土矿": "kaolin", "陶瓷土": "kaolin", "萤石矿": "fluorite", "普通萤石": "fluorite",
        "磷": "phosphate", "磷块岩": "phosphate", "钒": "vanadium", "石煤钒矿": "vanadium",
        "石煤（钒）": "vanadium", "石煤(钒)": "vanadium", "金": "gold", "岩金": "gold",
        "黄金": "gold", "铜": "copper", "锡": "tin", "石煤": "vanadium", "瓷土": "kaolin",
        "瓷石": "kaolin",
    },
    "site.pit_type": {
        "山坡露天": "hillside", "山坡露天开采": "hillside", "山坡": "hillside",
        "凹陷露天": "closed", "凹陷露天开采": "closed", "凹陷": "closed",
    },
    "site.substrate": {
        "碳酸盐岩": "carbonate", "石灰岩": "carbonate", "白云岩": "carbonate",
        "花岗岩": "granite", "砂岩": "sandstone", "页岩": "shale",
        "含硫化物岩": "acid_sulfide", "硫化物": "acid_sulfide", "尾矿": "tailings",
    },
    "finance.fund_basis": {
        "按产量": "plan_cost_by_output", "按产量计提": "plan_cost_by_output",
        "按销售收入": "revenue_share", "按销售收入计提": "revenue_share",
        "按收入比例": "revenue_share",
    },
}  # fmt: skip
_CATALOGUE_CONTEXTS = {"proposal.mineral": "mineral", "proposal.region": "region"}
#: yes and no as a Chinese form writes them, for the true/false fields
_YES_NO = {"是": True, "否": False, "有": True, "无": False}
BOOL_FIELDS = (
    "restoration.topsoil_stripped",
    "restoration.import_topsoil",
    "restoration.substrate_amendment",
)
DATE_FIELDS = ("proposal.start_date",)
#: a date as Chinese documents write it: 2026年3月1日 (the day is required)
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
#: the fields whose allowed values may be written by their Chinese names
NAMED_VALUE_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys((*CHINESE_VALUES, *_CATALOGUE_CONTEXTS, *BOOL_FIELDS, *DATE_FIELDS))
)
#: the land uses of ``target_land_use`` as the plans' 复垦方向 name them (GB/T 21010 classes)
LAND_USE_NAMES: dict[str, str] = {
    "林地": "forest", "有林地": "forest", "乔木林地": "forest",
    "草地": "grassland", "人工草地": "grassland", "其他草地": "grassland",
    "灌木林地": "shrub", "灌木": "shrub", "灌木林": "shrub",
    "耕地": "farmland", "旱地": "farmland", "水田": "farmland", "水浇地": "farmland",
    "坑塘水面": "water", "水面": "water", "水域": "water", "水塘": "water",
}  # fmt: skip


@lru_cache(maxsize=1)
def chinese_names() -> dict[str, dict[str, str]]:
    """Chinese name -> allowed value, by field path: :data:`CHINESE_VALUES` and, for minerals
    and regions, the names the outputs give them (``石灰岩`` → ``limestone``)."""
    from sim.i18n import pgettext, use_lang

    out: dict[str, dict[str, Any]] = {path: dict(names) for path, names in CHINESE_VALUES.items()}
    out.update({path: dict(_YES_NO) for path in BOOL_FIELDS})
    for path, context in _CATALOGUE_CONTEXTS.items():
        with use_lang("zh"):
            names = {pgettext(context, v): v for v in LIBRARY_TABLES[path]()}
        named = {k: v for k, v in names.items() if k != v}
        out[path] = {**named, **out.get(path, {})}  # the outputs' names first
    return out


def canonical_value(path: str, value: Any) -> Any:
    """``value`` of field ``path`` with a Chinese name replaced by the allowed value it names
    (anything else unchanged: the contract then checks it)."""
    if isinstance(value, str) and not value.isascii():  # an identifier needs no look-up
        if path in DATE_FIELDS:
            found = _CHINESE_DATE.fullmatch(value.strip())
            if found is None:
                return value
            year, month, day = (int(g) for g in found.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"  # the contract checks it is a date
        names = chinese_names().get(path, {})
        text = value.strip()
        if path == "proposal.mineral" and text not in names:
            return _mineral_by_rock(text, names) or value
        return names.get(text, value)
    return value


#: rocks quarried only for building stone, which the mineral table has as aggregate
_AGGREGATE_ROCKS = (
    "凝灰岩", "玄武岩", "安山岩", "安山玢岩", "片麻岩", "流纹岩", "闪长岩", "辉绿岩", "辉长岩",
    "石英闪长岩", "花岗闪长岩", "粗面岩", "英安岩", "角闪岩", "砂砾岩", "板岩",
)  # fmt: skip


def _mineral_by_rock(text: str, names: dict[str, Any]) -> str | None:
    """A mineral as a licence names it by its use and rock (建筑石料用凝灰岩, 水泥用灰岩, 饰面用
    花岗岩, 水泥配料用砂岩, 建筑用石料（凝灰岩） …), read by the rock in brackets or after the
    last 用 (and without a final 矿):
    the table's rock, or aggregate for the igneous and other rocks quarried only for building
    stone; None when the rock is unknown too."""
    inner = re.search(r"[（(]([^()（）]+)[)）]", text)  # 建筑用石料（凝灰岩）: the rock in brackets
    if inner is not None:
        return _mineral_by_rock(inner.group(1), names) or _mineral_by_rock(
            text[: inner.start()] + text[inner.end() :], names
        )
    rock = text.rsplit("用", 1)[-1]
    for name in (text.removesuffix("矿"), rock, rock.removesuffix("矿")):
        if name in names:
            return str(names[name])
        if name in _AGGREGATE_ROCKS:
            return "aggregate"
    return None


#: the units of the contract's fields, marked for the catalogue: a description names its unit
#: in the reviewer's language (message context "unit")
UNIT_NAMES: tuple[str, ...] = (
    NP_("unit", "ha"),
    NP_("unit", "yr"),
    NP_("unit", "deg"),
    NP_("unit", "t/m3"),
    NP_("unit", "m3"),
    NP_("unit", "mm/yr"),
    NP_("unit", "Mt/yr"),
    NP_("unit", "CNY"),
    NP_("unit", "CNY/t"),
    NP_("unit", "1/yr"),
)


@dataclass(frozen=True)
class FieldSpec:
    """One field of the contract: its column path, kind, whether required, and its rules."""

    path: str
    kind: Kind
    required: bool
    default: Any
    description: str
    unit: str = ""
    constraints: tuple[Any, ...] = ()
    pattern: str | None = None
    literal: tuple[Any, ...] = ()
    #: the description's plain text as catalogue messages (without unit and range): their
    #: concatenation, with :meth:`describe`'s unit and range, is ``description``
    text: tuple[str, ...] = ()
    #: whether the description carries the unit and the range after its text
    composed: bool = False
    #: whether that range is a plausible range (not a hard limit)
    plausible: bool = False

    def describe(self) -> str:
        """The description in the current language (:func:`sim.i18n.use_lang`), without its
        final full stop; in English exactly :attr:`description`."""
        from sim.i18n import _, gettext
        from sim.proposal import _range_text

        plain = "".join(gettext(m) for m in self.text).rstrip("。.") or self.description
        if not self.composed:
            return plain
        bounds: dict[str, float] = {}
        for c in self.constraints:
            for typ, name in ((Gt, "gt"), (Ge, "ge"), (Lt, "lt"), (Le, "le")):
                if isinstance(c, typ):
                    bounds[name] = getattr(c, name)
        unit = f" [{gettext(self.unit, 'unit')}]" if self.unit else ""
        values = {"text": plain + unit, "range": _range_text(**bounds)}
        if self.plausible:
            return _("{text}; plausible range {range}", **values)
        return _("{text}; allowed range {range}", **values)

    def allowed(self) -> list[Any] | None:
        """The allowed values of a text field (library table or literal), or None."""
        if self.path in LIBRARY_TABLES:
            return LIBRARY_TABLES[self.path]()
        return list(self.literal) if self.literal else None

    def accepts(self, value: Any, allowed: list[Any] | None = None) -> bool:
        """Whether a non-blank text/date cell satisfies the field's rules."""
        if self.kind == "date":
            if isinstance(value, datetime.datetime):
                return False
            if isinstance(value, str):
                try:
                    value = datetime.date.fromisoformat(value.strip())
                except ValueError:
                    return False
            return isinstance(value, datetime.date) and 1950 <= value.year <= 2150
        if not isinstance(value, str):
            return False
        if self.pattern is not None and re.search(self.pattern, value) is None:
            return False
        for c in self.constraints:
            if isinstance(c, MinLen) and len(value) < c.min_length:
                return False
            if isinstance(c, MaxLen) and len(value) > c.max_length:
                return False
        allowed = self.allowed() if allowed is None else allowed
        return allowed is None or value in allowed


def _plain(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _kind(annotation: Any) -> Kind | None:
    plain = _plain(annotation)
    if get_origin(plain) is Literal:
        return "literal"
    for typ, kind in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if plain is typ:
            return kind  # type: ignore[return-value]
    if plain is datetime.date:
        return "date"
    return None


def _spec(path: str, info: FieldInfo, *, required: bool | None = None) -> FieldSpec:
    kind = _kind(info.annotation)
    assert kind is not None, path
    patterns = [m.pattern for m in info.metadata if getattr(m, "pattern", None) is not None]
    pattern = patterns[0] if patterns else None
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    plain = _plain(info.annotation)
    text = _text(info.description)
    return FieldSpec(
        path=path,
        kind=kind,
        required=info.is_required() if required is None else required,
        default=None if info.is_required() else info.default,
        description=(info.description or "").rstrip("."),
        unit=str(extra.get("unit", "")),
        constraints=tuple(info.metadata),
        pattern=pattern,
        literal=get_args(plain) if kind == "literal" else (),
        text=text,
        composed=_composed(info.description),
        plausible=bool(extra.get("plausible_range", False)),
    )


def _text(description: str | None) -> tuple[str, ...]:
    """The catalogue messages of a field's description (see :attr:`FieldSpec.text`)."""
    from sim.proposal import DESCRIPTION_TEXT

    if not description:
        return ()
    return DESCRIPTION_TEXT.get(description, (description,))


def _composed(description: str | None) -> bool:
    from sim.proposal import DESCRIPTION_TEXT

    return description in DESCRIPTION_TEXT


#: optional sections that are tables of rows, not one value per application: they have no
#: column in a portfolio or a queue CSV and are declared by :func:`bill_field_specs`
NESTED_SECTIONS: tuple[str, ...] = ("bill",)


@lru_cache(maxsize=1)
def bill_field_specs() -> dict[str, FieldSpec]:
    """The optional ``[bill]`` table (the applicant's bill of quantities): ``bill.money_unit``,
    ``bill.file``, ``bill.other_fees``, ``bill.contingency`` and one spec per column of its
    rows ``bill.items[].measure`` … (rows in ``[[bill.items]]`` or in the file)."""
    from sim.proposal import Bill, BillItem

    out: dict[str, FieldSpec] = {}
    for name, info in Bill.model_fields.items():
        if name == "items":
            for col, cinfo in BillItem.model_fields.items():
                path = f"bill.items[].{col}"
                kind = _kind(cinfo.annotation) or "str"  # amount: a number or "12.5 万元"
                out[path] = (
                    _spec(path, cinfo)
                    if _kind(cinfo.annotation)
                    else FieldSpec(
                        path=path,
                        kind=kind,
                        required=False,
                        default=None,
                        description=(cinfo.description or "").rstrip("."),
                        text=_text(cinfo.description),
                    )
                )
            continue
        path = f"bill.{name}"
        if _kind(info.annotation) is None:
            out[path] = FieldSpec(
                path=path,
                kind="str",
                required=False,
                default=None,
                description=(info.description or "").rstrip("."),
                text=_text(info.description),
            )
        else:
            out[path] = _spec(path, info)
    return out


@lru_cache(maxsize=1)
def field_specs() -> dict[str, FieldSpec]:
    """Dotted column path -> :class:`FieldSpec`, in the order of the contract."""
    from sim.proposal import Location, Proposal, Restoration

    out: dict[str, FieldSpec] = {}
    for section, sinfo in Proposal.model_fields.items():
        model = _plain(sinfo.annotation)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        if section in NESTED_SECTIONS:
            continue
        for name, info in model.model_fields.items():
            path = f"{section}.{name}"
            if model is Restoration and name == "target_land_use":
                for lu in LAND_USES:
                    out[f"{path}.{lu}"] = FieldSpec(
                        path=f"{path}.{lu}",
                        kind="float",
                        required=False,
                        default=0.0,
                        description=f"Share of the restored area to {lu} (missing: 0); "
                        "the five shares sum to 1",
                        constraints=(Ge(0.0), Le(1.0)),
                    )
                continue
            optional_section = model is Location
            out[path] = _spec(path, info, required=False if optional_section else None)
    return out
