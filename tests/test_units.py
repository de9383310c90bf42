"""Unit slips: quantities typed in the units of a Chinese plan are refused with the reading.

The corpus is made as a person copying from a 开发利用方案 would make it: the published figures
of real Hunan mines (domain/real-cases.md §5) with one or two numbers typed in 万 t, 万 m³, 万元,
亩 or km² instead of the field's unit. Correctly entered, the same mines pass untouched.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EXAMPLE_DATA

from sim import plausibility
from sim.cli import main
from sim.errors import InputError
from sim.proposal import parse_proposal, plausibility_columns

PLAN = "finance.plan_restoration_cost_cny"
PLAN_COST_PER_HA = 250_000.0  # china_domain.md §6: 25 (15-35)万 CNY/ha for a Hunan quarry


def mine(
    pid: str,
    mineral: str,
    licence_ha: float,
    reserves_mt: float,
    output_mt: float,
    density: float | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """The packaged example with a real mine's published geometry (correctly converted)."""
    data = copy.deepcopy(EXAMPLE_DATA)
    data["proposal"].update(id=pid, mineral=mineral, licensed_area_ha=licence_ha)
    data["extraction"].update(reserves_mt=reserves_mt, annual_output_mt=output_mt)
    data["extraction"].pop("rock_density_t_per_m3", None)
    if density is not None:
        data["extraction"]["rock_density_t_per_m3"] = density
    data["site"].pop("substrate", None)
    data["finance"]["plan_restoration_cost_cny"] = PLAN_COST_PER_HA * licence_ha
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return data


# real-cases.md §5 [S], converted by hand: 万 t / 100 = Mt, km² x 100 = ha, m² / 1e4 = ha
REAL: dict[str, dict[str, Any]] = {
    # 临湘胜龙 sandstone: 0.3375 km², 可采 5795万 t, 280万 t/a,
    # 工业广场 77,436 m² + 排土场 24,244 m²
    "linxiang": mine(
        "HN-LX", "sandstone", 33.75, 57.95, 2.8, extraction__infrastructure_area_ha=10.168
    ),
    # 攸县下湖 limestone: 0.248 km², 可采 2180.90万 t, 200万 t/a; 810.7万 m³ → 2.69 t/m³ [D]
    "youxian": mine("HN-YX", "limestone", 24.8, 21.809, 2.0, density=2.69),
    # 新化白岩垅 limestone: 0.8468 km², 380万 t/a, 24.64 a → 93.63 Mt [D]; +353 to +225 m
    "xinhua": mine("HN-XH", "limestone", 84.68, 93.632, 3.8),
    # 永州羊轱岭 limestone: 开采范围 181,000 m², 120万 t/a; reserves not published: 15 a assumed [E]
    "yongzhou": mine("HN-YZ", "limestone", 18.1, 18.0, 1.2),
    # 衡东新冲 dolomite 787万 t, 80万 t/a; 樟树湾 sandstone 430万 t, 50万 t/a; licences not
    # published: a pit of the example's 60 m thickness plus half again assumed [E]
    "hengdong": mine("HN-HD", "dolomite", 7.0, 7.87, 0.8),
    "zhangshuwan": mine("HN-ZSW", "sandstone", 4.0, 4.3, 0.5),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_mines_entered_correctly_are_not_flagged(name: str) -> None:
    p = parse_proposal(REAL[name], name)
    assert plausibility.notes(plausibility_columns([p])) == []


def slip(name: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(REAL[name])
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return data


# (case, the mine typed with a slip, phrases the message must hold, phrases it must not)
SLIPS: list[tuple[str, dict[str, Any], tuple[str, ...], tuple[str, ...]]] = [
    (
        "youxian in 万t as Mt (reserves and output)",
        slip("youxian", extraction__reserves_mt=2180.9, extraction__annual_output_mt=200.0),
        (
            "[extraction] reserves_mt = 2180.9:",
            "24.8 ha licence",
            "did you mean 2180.9万 t = 21.809 Mt",
            "[extraction] annual_output_mt = 200.0:",
            "did you mean 200万 t/a = 2 Mt/yr?",
        ),
        ("km²",),  # the plan cost rules out a licence in km²
    ),
    (
        "linxiang reserves in 万t",
        slip("linxiang", extraction__reserves_mt=5795.0),
        ("reserves_mt = 5795.0:", "implausible life", "did you mean 5795万 t = 57.95 Mt"),
        ("[extraction] annual_output_mt",),
    ),
    (
        "youxian reserves as the 控制资源量 in 万m³",
        slip("youxian", extraction__reserves_mt=810.7),
        ("reserves_mt = 810.7:", "810.7万 m³ = 21.81 Mt at 2.69 t/m³"),
        (),
    ),
    (
        "xinhua output in 万t/a",
        slip("xinhua", extraction__annual_output_mt=380.0),
        ("annual_output_mt = 380.0:", "m a year", "did you mean 380万 t/a = 3.8 Mt/yr?"),
        ("[extraction] reserves_mt",),
    ),
    (
        "linxiang licence in km² in the ha field",
        slip("linxiang", proposal__licensed_area_ha=0.3375),
        ("0.3375 ha licence", "licensed_area_ha = 0.3375 in km² = 33.75 ha"),
        (),
    ),
    (
        "linxiang plan cost in 万元",
        slip("linxiang", finance__plan_restoration_cost_cny=843.75),
        ("plan_restoration_cost_cny = 843.75:", "did you mean 843.75万元 = 8,437,500 CNY?"),
        (),
    ),
    (
        "linxiang plan cost in 元 marked 万元 (8,437,500 万元)",
        slip("linxiang", finance__plan_restoration_cost_cny=8_437_500.0 * 1e4),
        ("did you mean 8,437,500 CNY = 843.75万元 (a figure in 元 marked 万元)?",),
        (),
    ),
    (
        "youxian typed entirely in the plan's units (万t, 万t/a, 万元)",
        slip(
            "youxian",
            extraction__reserves_mt=2180.9,
            extraction__annual_output_mt=200.0,
            finance__plan_restoration_cost_cny=620.0,
        ),
        ("2180.9万 t = 21.809 Mt", "200万 t/a = 2 Mt/yr", "620万元 = 6,200,000 CNY"),
        (),
    ),
]


@pytest.mark.parametrize("case,data,phrases,absent", SLIPS, ids=[s[0] for s in SLIPS])
def test_unit_slips_are_refused_with_the_reading(case, data, phrases, absent) -> None:
    with pytest.raises(InputError) as info:
        parse_proposal(data, "plan.toml")
    msg = str(info.value)
    for line in msg.splitlines():
        assert line.startswith("plan.toml: [")
    for phrase in phrases:
        assert phrase in msg, f"{case}: {phrase!r} not in {msg}"
    for phrase in absent:
        assert phrase not in msg, f"{case}: {phrase!r} in {msg}"


def test_a_licence_in_mu_is_flagged_not_refused() -> None:
    """372 (亩) typed as ha: a generous licence is possible, so it is a note with the reading."""
    p = parse_proposal(slip("youxian", proposal__licensed_area_ha=372.0), "plan.toml")
    notes = plausibility.notes(plausibility_columns([p]))
    assert len(notes) == 1
    assert "licensed_area_ha = 372" in notes[0][1]
    assert "if 372 is in 亩 the licence is 24.8 ha" in notes[0][1]


def test_the_bounds_are_the_documented_physical_ones() -> None:
    """Just inside each bound passes, just outside fails (no hidden margins)."""
    rho, area = 2.5, 10.0
    depth_limit_mt = plausibility.MAX_MEAN_DEPTH_M * area * 1e4 * rho / 1e6
    sink_limit_mt = plausibility.MAX_SINKING_M_PER_YR * area * 1e4 * rho / 1e6
    base = {
        "proposal.licensed_area_ha": area,
        "proposal.mineral": "limestone",
        "extraction.rock_density_t_per_m3": rho,
        "extraction.mined_thickness_m": 60.0,
        "extraction.stripping_ratio": 0.0,
        "finance.plan_restoration_cost_cny": 0.0,
    }
    for reserves, output, cost, expected in (
        (depth_limit_mt * 0.999, 10.0, 0.0, set()),
        (depth_limit_mt * 1.001, 10.0, 0.0, {"extraction.reserves_mt"}),
        (100.0, sink_limit_mt * 0.999, 0.0, set()),
        (100.0, sink_limit_mt * 1.001, 0.0, {"extraction.annual_output_mt"}),
        (10.0, 1.0, plausibility.MIN_PLAN_COST_CNY_PER_HA * area * 1.001, set()),
        (10.0, 1.0, plausibility.MIN_PLAN_COST_CNY_PER_HA * area * 0.999, {PLAN}),
        (10.0, 1.0, plausibility.MAX_PLAN_COST_CNY_PER_HA * area * 1.001, {PLAN}),
    ):
        cols = {k: [v] for k, v in base.items()}
        cols.update(
            {
                "extraction.reserves_mt": [reserves],
                "extraction.annual_output_mt": [output],
                "finance.plan_restoration_cost_cny": [cost],
            }
        )
        arrays = {k: np.asarray(v) for k, v in cols.items()}
        assert {f for _, f, _ in plausibility.check(arrays)} == expected


def test_the_command_line_refuses_the_slip_with_exit_2(tmp_path: Path, capsys) -> None:
    data = slip("youxian", extraction__reserves_mt=2180.9, extraction__annual_output_mt=200.0)
    lines = []
    for section, table in data.items():
        lines.append(f"[{section}]")
        for key, value in table.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {v!r}" for k, v in value.items())
                lines.append(f"{key} = {{ {inner} }}")
            elif isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            else:
                lines.append(f"{key} = {value!r}")
    path = tmp_path / "youxian.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["evaluate", str(path), "--draws", "20"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: [extraction] reserves_mt = 2180.9:" in err
    assert "did you mean 2180.9万 t = 21.809 Mt" in err
    assert "Traceback" not in err


def test_unit_slips_read_in_chinese() -> None:
    """A Chinese reviewer reads the slip and its likely reading in Chinese."""
    from sim.i18n import use_lang

    with use_lang("zh"), pytest.raises(InputError) as info:
        parse_proposal(slip("linxiang", extraction__reserves_mt=5795.0), "方案.toml")
    msg = str(info.value)
    assert msg.startswith("方案.toml: [extraction] reserves_mt = 5795.0:")
    assert "服务年限不合常理" in msg and "是否应为 5795万 t = 57.95 Mt" in msg
    with use_lang("zh"), pytest.raises(InputError) as info:
        parse_proposal(slip("youxian", extraction__reserves_mt=810.7), "方案.toml")
    assert "810.7万 m³ = 21.81 Mt（体重 2.69 t/m³）" in str(info.value)


DESIGN = Path(__file__).resolve().parents[1] / "scenarios" / "proposals"


def _design_data(**changes: Any) -> dict[str, Any]:
    """The 攸县下湖 design-geometry example as a table, with fields replaced."""
    import tomllib

    path = DESIGN / "hn-2026-0010-youxian-limestone-design.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return data


# (case, the mine typed with a slip, phrases the message must hold)
MORE_SLIPS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "rainfall in metres (1.4 for 1,400 mm)",
        slip("youxian", site__annual_precipitation_mm=1.4),
        ("annual_precipitation_mm = 1.4:", "did you mean 1.4 m = 1400 mm a year?"),
    ),
    (
        "topsoil in metres (0.3 for 30 cm)",
        slip("youxian", site__soil_depth_cm=0.3),
        ("soil_depth_cm = 0.3:", "did you mean 0.3 m = 30 cm?"),
    ),
    (
        "the pit's 境界内矿岩总量 in 万 m³ (851 for 8,510,000 m³)",
        _design_data(site__pit_volume_m3=851.0),
        ("pit_volume_m3 = 851.0:", "29,760,000 m³ block", "did you mean 851万 m³ = 8,510,000 m³?"),
    ),
    (
        "a pit volume larger than its block",
        _design_data(site__pit_volume_m3=4.0e7),
        ("pit_volume_m3 = 40000000.0:", "134.41% of the 29,760,000 m³ block"),
    ),
]


@pytest.mark.parametrize("case,data,phrases", MORE_SLIPS, ids=[s[0] for s in MORE_SLIPS])
def test_site_quantities_in_the_wrong_unit_are_refused(case, data, phrases) -> None:
    """A rainfall or topsoil typed in metres, a pit volume in 万 m³: physically impossible
    (robustness trial: 1.4 mm of rain silently rejected the plan on recovery)."""
    with pytest.raises(InputError) as info:
        parse_proposal(data, "plan.toml")
    msg = str(info.value)
    for phrase in phrases:
        assert phrase in msg, f"{case}: {phrase!r} not in {msg}"


def test_the_site_bounds_are_the_documented_ones() -> None:
    """Just inside each bound passes, just outside fails; 0 cm of topsoil is allowed (none)."""
    low_rain = plausibility.MIN_PRECIPITATION_MM
    for changes, refused in (
        ({"site__annual_precipitation_mm": low_rain}, False),
        ({"site__annual_precipitation_mm": low_rain * 0.99}, True),
        ({"site__soil_depth_cm": 0.0}, False),
        ({"site__soil_depth_cm": plausibility.MIN_SOIL_DEPTH_CM}, False),
        ({"site__soil_depth_cm": plausibility.MIN_SOIL_DEPTH_CM * 0.99}, True),
    ):
        data = slip("youxian", **changes)
        if refused:
            with pytest.raises(InputError):
                parse_proposal(data, "plan.toml")
        else:
            parse_proposal(data, "plan.toml")
    block = 24.8e4 * 120.0
    for volume, refused in (
        (block * plausibility.MIN_PIT_FILL * 1.01, False),
        (block * plausibility.MIN_PIT_FILL * 0.99, True),
        (block * plausibility.MAX_PIT_FILL * 0.99, False),
        (block * plausibility.MAX_PIT_FILL * 1.01, True),
    ):
        data = _design_data(site__pit_volume_m3=volume)
        if refused:
            with pytest.raises(InputError):
                parse_proposal(data, "plan.toml")
        else:
            parse_proposal(data, "plan.toml")


def test_design_path_notes_what_the_design_replaces_and_a_ramp_up_that_never_ends() -> None:
    """A stated wall height or mined thickness beside the design geometry is not used: said,
    not silent; a ramp-up that mines out the reserves is flagged. The packaged design mines and
    the real mines carry no such note."""
    import tomllib

    from sim.i18n import use_lang

    for path in sorted(DESIGN.glob("*design*.toml")):
        p = parse_proposal(tomllib.loads(path.read_text("utf-8")), path.name)
        assert plausibility.notes(plausibility_columns([p])) == [], path.name
    p = parse_proposal(
        _design_data(site__final_highwall_height_m=300.0, extraction__mined_thickness_m=5.0),
        "plan.toml",
    )
    notes = [text for _, text in plausibility.notes(plausibility_columns([p]))]
    assert len(notes) == 2
    assert "final_highwall_height_m = 300 is not used" in notes[0] and "120 m" in notes[0]
    assert "mined_thickness_m = 5 is not used" in notes[1]
    with use_lang("zh"):
        from sim.i18n.message import localise

        assert "未被采用" in localise(notes[0]) and "120 m" in localise(notes[0])
    p = parse_proposal(slip("youxian", extraction__ramp_up_years=25), "plan.toml")
    (note,) = [text for _, text in plausibility.notes(plausibility_columns([p]))]
    assert "ramp_up_years = 25" in note and "never reaches its design output" in note
    p = parse_proposal(slip("youxian", extraction__ramp_up_years=2), "plan.toml")
    assert plausibility.notes(plausibility_columns([p])) == []


def test_a_plan_cost_above_the_simulated_p90_gets_a_note() -> None:
    """A plan far above every simulated cost was approved without a word (robustness trial:
    300 元/m², at the P99.9); the verdict now says so, and an ordinary plan gets no such note."""
    import sim

    base = copy.deepcopy(EXAMPLE_DATA)
    ordinary = sim.evaluate(parse_proposal(base, "plan.toml"), draws=200)
    assert not any("above the simulated P90" in n for n in ordinary.verdicts[0]["notes"])
    base["finance"]["plan_restoration_cost_cny"] = 60_000_000.0
    generous = sim.evaluate(parse_proposal(base, "plan.toml"), draws=200)
    (note,) = [n for n in generous.verdicts[0]["notes"] if "above the simulated P90" in n]
    assert "60.00 M CNY" in note


def test_a_plan_without_progressive_restoration_gets_a_note() -> None:
    """边开采、边治理: a plan that restores nothing while mining is named next to the verdict
    (en and zh, with the area left waiting and the life); a plan with progressive restoration,
    or one too short for any after its lag, gets no such note."""
    import sim
    from sim.i18n import use_lang
    from sim.i18n.message import localise

    def notes(**restoration: float) -> list[str]:
        base = copy.deepcopy(EXAMPLE_DATA)
        base["restoration"].update(restoration)
        return sim.evaluate(parse_proposal(base, "plan.toml"), draws=100).verdicts[0]["notes"]

    needle = "restores nothing while the mine works"
    assert not any(needle in n for n in notes())  # the example restores half as it goes
    (note,) = [n for n in notes(progressive_fraction=0.0) if needle in n]
    assert "progressive_fraction = 0" in note and " ha it disturbs" in note
    assert "years of mining (P50)" in note
    with use_lang("zh"):
        zh = localise(note)
    assert "边开采、边治理" in zh and "公顷" in zh and "亩" in zh and "restores" not in zh
    # a lag longer than the life leaves nothing to restore while mining: no note
    assert not any(needle in n for n in notes(progressive_fraction=0.0, progressive_lag_years=40))


# -- area slips in the infrastructure area and the designed pit (reviewer trial, 攸县下湖) ------


def _zh(note: str) -> str:
    from sim.i18n import use_lang
    from sim.i18n.message import localise

    with use_lang("zh"):
        return localise(note)


def _notes(data: dict[str, Any]) -> list[str]:
    return [
        text
        for _, text in plausibility.notes(plausibility_columns([parse_proposal(data, "plan.toml")]))
    ]


AREA_SLIPS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "the 工业场地 in m² as ha (28500 for 2.85 ha), no design geometry",
        slip("youxian", extraction__infrastructure_area_ha=28500.0),
        (
            "[extraction] infrastructure_area_ha = 28500.0:",
            "is 1149x the 24.8 ha licence; at most 10x",
            "did you mean 28,500 m² = 2.85 ha",
        ),
    ),
    (
        "the 工业场地 in m² as ha beside the designed pit",
        _design_data(extraction__infrastructure_area_ha=28500.0),
        (
            "infrastructure_area_ha = 28500.0:",
            "the larger of the 24.8 ha licence and the 24.8 ha designed pit",
            "did you mean 28,500 m² = 2.85 ha",
        ),
    ),
    (
        "the 工业场地 in 亩 far above the licence (3000 亩 = 200 ha beside 33.75 ha)",
        slip("linxiang", extraction__infrastructure_area_ha=3000.0),
        ("infrastructure_area_ha = 3000.0:", "3000 m² = 0.3 ha", "3000 亩 = 200 ha"),
    ),
]


@pytest.mark.parametrize("case,data,phrases", AREA_SLIPS, ids=[s[0] for s in AREA_SLIPS])
def test_an_infrastructure_area_no_licence_can_have_is_refused(case, data, phrases) -> None:
    """28500 (the m² figure) typed as ha went to a verdict: 28,527 ha disturbed, a 548,027万元
    cost and a reject on cost/revenue (reviewer trial). Refused with the readings that fit."""
    with pytest.raises(InputError) as info:
        parse_proposal(data, "plan.toml")
    msg = str(info.value)
    for phrase in phrases:
        assert phrase in msg, f"{case}: {phrase!r} not in {msg}"


def test_the_infrastructure_bound_is_ten_times_the_licence_or_pit() -> None:
    bound = plausibility.MAX_INFRA_RATIO * 24.8
    parse_proposal(slip("youxian", extraction__infrastructure_area_ha=bound), "plan.toml")
    with pytest.raises(InputError):
        parse_proposal(slip("youxian", extraction__infrastructure_area_ha=bound * 1.001), "p")
    # the designed pit, when larger than the licence, sets the bound
    big_pit = _design_data(site__pit_area_ha=30.0, extraction__infrastructure_area_ha=290.0)
    parse_proposal(big_pit, "plan.toml")


def test_an_infrastructure_area_larger_than_the_licence_gets_the_mu_reading() -> None:
    """42.75 (the 亩 figure of 2.85 ha) beside a 24.8 ha licence is possible, so a note, in
    English and Chinese; an area as large as the licence gets none."""
    from zhcheck import assert_chinese

    (note,) = _notes(slip("youxian", extraction__infrastructure_area_ha=42.75))
    assert "infrastructure_area_ha = 42.75 is larger than the 24.8 ha licence" in note
    assert "if 42.75 is in 亩 it is 2.85 ha" in note
    zh = _zh(note)
    assert "工业场地" in zh and "如 42.75 以亩计，则为 2.85 公顷" in zh
    assert_chinese(zh)
    assert _notes(slip("youxian", extraction__infrastructure_area_ha=24.8)) == []


def test_dumps_larger_than_the_licence_get_a_note() -> None:
    """A Guangdong granite notice's 平均剥采比 0.69 counts the weathered overburden it sells as
    机制砂; entered as the stripping ratio with 20 m dumps it made 201.5 ha of dumps beside a
    96.8 ha licence, three times the disturbed land, and failed the liability criterion without
    a word (reviewer trial). A note names the dumps' area against the licence, in English and
    Chinese; the real mines' dumps (a fraction of their licence) get none."""
    from zhcheck import assert_chinese

    (note,) = _notes(slip("linxiang", extraction__stripping_ratio=0.69))
    assert "[extraction] stripping_ratio = 0.69 with dump_height_m = 20:" in note
    assert "x the 33.75 ha licence" in note and "sold or used (综合利用)" in note
    zh = _zh(note)
    assert "倍" in zh and "剥采比只应计入排弃的部分" in zh
    assert_chinese(zh)
    assert _notes(slip("linxiang", extraction__stripping_ratio=0.1)) == []


def test_a_pit_fifteen_times_its_licence_reads_as_mu() -> None:
    """pit_area_ha = 372 (亩) beside a 24.8 ha licence failed the licence criterion without a
    word on why (reviewer trial)."""
    from zhcheck import assert_chinese

    (note,) = _notes(_design_data(site__pit_area_ha=372.0))
    assert "[site] pit_area_ha = 372 is 15x the 24.8 ha licence" in note
    assert "if 372 is in 亩 the pit is 24.8 ha" in note
    zh = _zh(note)
    assert "开采境界" in zh and "则采场面积为 24.8 公顷" in zh
    assert_chinese(zh)


def test_a_designed_pit_far_larger_than_its_reserves_reads_as_mu() -> None:
    """Licence and pit both typed in 亩 (372) went to a reject and a 202-year horizon, the pit
    6% filled (reviewer trial): a note with both readings. Just above the fill bound, none."""
    from zhcheck import assert_chinese

    (note,) = _notes(_design_data(proposal__licensed_area_ha=372.0, site__pit_area_ha=372.0))
    assert "[site] pit_area_ha = 372: the reserves with their waste" in note
    assert "fill 1.9% of the 446.4 million m³" in note
    assert "if pit_area_ha is in 亩 the pit is 24.8 ha" in note
    assert "if licensed_area_ha = 372 is too, the licence is 24.8 ha" in note
    zh = _zh(note)
    assert "境界内矿岩总量" in zh and "采场面积为 24.8 公顷" in zh and "矿区面积为 24.8 公顷" in zh
    assert_chinese(zh)
    # a pit larger than its licence: the pit's reading only
    (note,) = _notes(_design_data(site__pit_area_ha=200.0))
    assert "fill 3.6%" in note and "the pit is 13.33 ha." in note and "licensed_area_ha" not in note
    # the bound: the reserves and waste of the design example at a fill just above and below it
    data = _design_data()
    ex = parse_proposal(data, "plan.toml").extraction
    needed = ex.reserves_mt * (1 + ex.stripping_ratio) * 1e6 / ex.rock_density_t_per_m3
    edge_ha = needed / plausibility.MIN_DESIGN_FILL / 120.0 / 1e4
    wide = dict(proposal__licensed_area_ha=400.0)
    assert _notes(_design_data(site__pit_area_ha=edge_ha * 0.999, **wide)) == []
    assert len(_notes(_design_data(site__pit_area_ha=edge_ha * 1.001, **wide))) == 1


def test_a_stripping_ratio_that_overfills_the_pit_is_named_not_the_reserves() -> None:
    """stripping_ratio = 5 (meant 0.05) blamed the right reserves ("did you mean 21.809万 t");
    when the reserves alone fit the pit's block the note names the stripping ratio, with its
    reading as a percentage. Reserves that alone overfill the block are still named."""
    from zhcheck import assert_chinese

    (note,) = _notes(_design_data(extraction__stripping_ratio=5.0))
    assert note.startswith("[extraction] stripping_ratio = 5: the 21.809 Mt of reserves alone")
    assert "did you mean 5% = 0.05?" in note and "reserves_mt = 21.809" not in note
    zh = _zh(note)
    assert "剥采比是否应为 5% = 0.05" in zh
    assert_chinese(zh)
    # 75 Mt fill the block nearly alone: 10% of waste would overfill it too, no reading fits
    (note,) = _notes(_design_data(extraction__reserves_mt=75.0, extraction__stripping_ratio=10.0))
    assert "stripping_ratio = 10:" in note and "check the stripping ratio." in note
    assert "请核对剥采比" in _zh(note)
    (note,) = _notes(_design_data(extraction__reserves_mt=90.0))
    assert note.startswith("[extraction] reserves_mt = 90 with its waste is")
    assert "did you mean 90万 t = 0.9 Mt" in note


def test_area_slips_are_refused_in_chinese() -> None:
    from zhcheck import assert_chinese

    from sim.i18n import use_lang

    with use_lang("zh"), pytest.raises(InputError) as info:
        parse_proposal(_design_data(extraction__infrastructure_area_ha=28500.0), "方案.toml")
    msg = str(info.value)
    assert msg.startswith("方案.toml: [extraction] infrastructure_area_ha = 28500.0: 工业场地")
    assert "是否应为 28,500 m² = 2.85 公顷" in msg
    assert_chinese(msg.split("（或为")[0])


def test_a_rainfall_far_below_its_region_gets_a_note_with_the_dropped_digit() -> None:
    """145 mm for a Hunan site (a digit of 1,450 dropped) cut the cover ceiling to 18 % and
    rejected the plan without a word; the note names the region's rainfall, the cut and the
    tenfold reading. Rainfall the region receives, or any above the recovery's reference, gets
    none; every region of the library has its range."""
    from sim.params import load_library

    assert set(plausibility.REGION_PRECIPITATION_MM) == set(load_library().regions)
    base = copy.deepcopy(EXAMPLE_DATA)
    assert base["proposal"]["region"] == "south_hilly"
    base["site"]["annual_precipitation_mm"] = 145.0
    (note,) = [n for n in _notes(base) if "annual_precipitation_mm" in n]
    assert "1200-1700" in note and "18%" in note and "1450 mm" in note
    zh = _zh(note)
    assert "南方" in zh and "1450 毫米" in zh
    for mm in (600.0, 1450.0, 9000.0):  # half the region's low and above: no note
        base["site"]["annual_precipitation_mm"] = mm
        assert not [n for n in _notes(base) if "annual_precipitation_mm" in n], mm
    base["proposal"]["region"] = "loess_plateau"  # 145 mm is dry, not impossible, there
    base["site"]["annual_precipitation_mm"] = 145.0
    assert not [n for n in _notes(base) if "annual_precipitation_mm" in n]
    base["site"]["annual_precipitation_mm"] = 60.0
    assert [n for n in _notes(base) if "annual_precipitation_mm" in n]
