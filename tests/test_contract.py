"""One input contract: files and columns refuse the same values with the same messages; the
optional fields and their sourced defaults."""

from __future__ import annotations

import copy
import datetime
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EXAMPLE_DATA, make_proposal

import sim.portfolio
from sim.contract import field_specs
from sim.errors import InputError
from sim.params import SOURCES, input_defaults
from sim.portfolio import Portfolio
from sim.proposal import FINANCE_DEFAULTED, parse_proposal


def _file_message(path: str, value: Any) -> str:
    """The file contract's message for ``value`` at ``path``, without the source."""
    data = copy.deepcopy(EXAMPLE_DATA)
    section, key, *rest = path.split(".")
    if rest:
        data[section][key] = {**data[section][key], rest[0]: value}
    else:
        data[section][key] = value
    with pytest.raises(InputError) as info:
        parse_proposal(data, "SRC")
    return "\n".join(p.removeprefix("SRC: ") for p in info.value.problems)


def _column_message(path: str, value: Any) -> str:
    base = make_proposal(pid="P0")
    cols = {k: np.array(v, copy=True) for k, v in Portfolio.from_proposals([base]).columns.items()}
    cols[path] = np.array([value], dtype=object)
    with pytest.raises(InputError) as info:
        Portfolio(cols, source="SRC")
    return "\n".join(re.sub(r"^SRC: row 0 \(id [^)]*\): ", "", p) for p in info.value.problems)


BAD: list[tuple[str, Any]] = [
    ("proposal.id", "HN 2026/1"),  # spaces: the portfolio used to accept them
    ("proposal.name", ""),
    ("proposal.mineral", "limestne"),
    ("proposal.method", "underground"),
    ("proposal.region", "north_plain"),
    ("proposal.licensed_area_ha", 0.0),
    ("proposal.licensed_area_ha", 200_000.0),
    ("proposal.start_date", "2026-13-01"),
    ("extraction.reserves_mt", -5.0),
    ("extraction.reserves_mt", "12"),
    ("extraction.reserves_mt", 2180.9),  # a unit slip (万 t)
    ("extraction.reserves_mt", "810.7 万m³"),  # a volume for a tonnage
    ("extraction.annual_output_mt", "220万立方米/年"),  # a volume a year for a tonnage a year
    ("extraction.reserves_mt", "103.3×10⁴m³"),  # a volume, as a geological report writes it
    ("extraction.stripping_ratio", "0.69 m³/m³"),  # 平均剥采比 in volumes
    ("site.pit_top_elevation_m", "+125m至+60m"),  # the licence's 开采标高 in one field
    ("extraction.reserves_mt", "12 furlongs"),
    ("extraction.annual_output_mt", 0.001),  # implausible life
    ("extraction.ramp_up_years", 1.5),
    ("extraction.rock_density_t_per_m3", 0.5),
    ("site.mean_slope_deg", 95.0),
    ("site.final_highwall_slope_deg", 90.0),
    ("site.substrate", "carbonat"),
    ("restoration.target_land_use.forest", 0.9),  # shares sum to 1.3
    ("restoration.progressive_fraction", 1.5),
    ("restoration.closure_years", 0),
    ("restoration.topsoil_stripped", "yes"),
    ("restoration.substrate_amendment", 2),
    ("finance.fund_basis", "revenue-share"),
    ("finance.discount_rate", -0.01),
    ("finance.inflation_rate", float("inf")),
    ("finance.plan_restoration_cost_cny", 900.0),  # a unit slip (万元)
    ("restoration.progressive_fraction", 50.0),  # a percentage as a number
    ("extraction.reserves_mt", 4_300_000.0),  # tonnes as Mt
    ("extraction.rock_density_t_per_m3", 2650.0),  # kg/m³
    ("site.final_highwall_slope_deg", "43~48°"),  # a range, as a plan may state it
    ("restoration.progressive_fraction", "50 percent"),
    ("finance.discount_rate", "6%%"),
]


@pytest.mark.parametrize("screen_only", [False, True], ids=["converted", "screened"])
@pytest.mark.parametrize("path,value", BAD, ids=[f"{p}={v!r}" for p, v in BAD])
def test_files_and_columns_refuse_the_same_value_with_the_same_message(
    path: str, value: Any, screen_only: bool, monkeypatch
) -> None:
    """The column screen alone (as for a large portfolio) must find every bad row."""
    if screen_only:
        monkeypatch.setattr(sim.portfolio, "CONVERT_ALL", 0)
    expected = _file_message(path, value)
    assert _column_message(path, value) == expected


@pytest.mark.parametrize(
    "path,written,value",
    [
        ("extraction.reserves_mt", "1200 万t", 12.0),
        ("extraction.annual_output_mt", "100万吨/年", 1.0),
        ("proposal.licensed_area_ha", "525 亩", 35.0),
        ("proposal.licensed_area_ha", "0.35 km²", 35.0),
        ("proposal.licensed_area_ha", "0.35Km2", 35.0),  # as notices write it: 0.1192Km2
        ("proposal.licensed_area_ha", "0.35 KM²", 35.0),
        # a power of ten for 万, as geological reports write it: 303.7×10⁴t, 103.3×10⁴m³
        ("extraction.reserves_mt", "1200×10⁴t", 12.0),
        ("extraction.annual_output_mt", "100 x 10^4 吨/年", 1.0),
        ("proposal.licensed_area_ha", "35×10⁴m²", 35.0),
        ("extraction.stripping_ratio", "0.1 t/t", 0.1),
        ("extraction.stripping_ratio", "0.1吨/吨", 0.1),
        ("finance.plan_restoration_cost_cny", "900 万元", 9_000_000.0),
        ("finance.plan_restoration_cost_cny", "900万", 9_000_000.0),  # 万 alone: 万元
        # allowed values as the plans name them in Chinese
        ("proposal.mineral", "石灰岩", "limestone"),
        ("proposal.mineral", "水泥用灰岩", "limestone"),  # by its use and rock
        ("proposal.region", "南方丘陵山区", "south_hilly"),
        ("proposal.method", "露天开采", "open_pit"),
        ("finance.fund_basis", "按产量", "plan_cost_by_output"),
        ("finance.plan_restoration_cost_cny", "0.09亿", 9_000_000.0),
        ("site.soil_depth_cm", "0.4 m", 40.0),
        ("extraction.rock_density_t_per_m3", "2.6 g/cm³", 2.6),
        ("restoration.closure_years", "2年", 2),
        ("extraction.ramp_up_years", "1 a", 1),
        # shares and yearly rates as the plans write them: percentages
        ("restoration.progressive_fraction", "50%", 0.5),
        ("restoration.progressive_fraction", "５０％", 0.5),
        ("finance.discount_rate", "6 %", 0.06),
    ],
)
def test_values_with_units_are_converted_by_files_and_columns(
    path: str, written: str, value: float
) -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    section, key = path.split(".")
    data[section][key] = written
    p = parse_proposal(data)
    assert getattr(getattr(p, section), key) == value
    assert p == make_proposal()  # the example states the same numbers in Mt, ha, CNY
    cols = {k: np.array(v, copy=True) for k, v in Portfolio.from_proposals([p]).columns.items()}
    cols[path] = np.array([written], dtype=object)
    pf = Portfolio(cols)
    assert pf.columns[path][0] == value and pf.proposal(0) == p


def test_an_output_in_cubic_metres_a_year_is_refused_as_a_volume() -> None:
    """生产规模 220万立方米/年 (a building-stone notice) was told "did you mean '万吨/年'?",
    which a reviewer would follow by changing the unit alone, 2.65 times too little; it is a
    volume, to be multiplied by the density, as a volume of reserves is told."""
    message = _file_message("extraction.annual_output_mt", "220万立方米/年")
    assert "is a volume a year, the field a tonnage a year" in message
    assert "万 m³/a x t/m³ = 万 t/a" in message and "did you mean" not in message
    assert "is a volume a year" in _file_message("extraction.annual_output_mt", "220 万m³/a")


def test_the_licence_elevation_range_in_one_field_is_told_how_to_split_it() -> None:
    """开采标高 +125m至+60m (a notice's one line) in pit_top_elevation_m was refused as the
    unknown unit 'm至+60m'; it is the range, to be written as the two levels."""
    from zhcheck import assert_chinese

    from sim.i18n import use_lang

    data = copy.deepcopy(EXAMPLE_DATA)
    data["site"].update(pit_area_ha=14.0, pit_top_elevation_m="+234.10米至+40米")
    with pytest.raises(InputError) as info:
        parse_proposal(data, "SRC")
    assert "is the 开采标高 range: write its upper end as pit_top_elevation_m = 234.1 and its " \
        "lower end as pit_bottom_elevation_m = 40" in str(info.value)  # fmt: skip
    data["site"].update(pit_top_elevation_m=None, pit_bottom_elevation_m="1330m-1290m")
    del data["site"]["pit_top_elevation_m"]
    with use_lang("zh"), pytest.raises(InputError) as info:
        parse_proposal(data, "SRC")
    line = next(x for x in str(info.value).splitlines() if "1330m-1290m" in x)
    assert "pit_top_elevation_m = 1330，下限写为 pit_bottom_elevation_m = 1290" in line
    assert_chinese(line)


def test_a_stripping_ratio_in_volumes_is_told_the_conversion() -> None:
    """平均剥采比 0.69 m³/m³ (as a notice states it) was refused with 'expected a number, got a
    string' alone; it is a ratio of volumes, converted by the two densities."""
    message = _file_message("extraction.stripping_ratio", "0.69 m³/m³")
    assert "'m³/m³' is a ratio of volumes, the field of tonnes" in message
    assert "m³/m³ x t/m³ ÷ t/m³ = t/t" in message


def test_missing_required_fields_are_named_the_same_way() -> None:
    for path, spec in field_specs().items():
        if not spec.required:
            continue
        cols = dict(Portfolio.from_proposals([make_proposal()]).columns)
        del cols[path]
        with pytest.raises(InputError) as info:
            Portfolio(cols, source="SRC")
        assert f"column {path} is missing (required; {spec.description})" in str(info.value)
        data = copy.deepcopy(EXAMPLE_DATA)
        section, key = path.split(".")
        del data[section][key]
        with pytest.raises(InputError) as info:
            parse_proposal(data, "SRC")
        assert f"{key} is missing (required; {spec.description})" in str(info.value)


def test_columns_no_longer_fill_in_required_fields() -> None:
    cols = dict(Portfolio.from_proposals([make_proposal()]).columns)
    for path in ("proposal.name", "proposal.method", "finance.fund_basis"):
        trimmed = {k: v for k, v in cols.items() if k != path}
        with pytest.raises(InputError, match=f"column {path} is missing"):
            Portfolio(trimmed)


def test_unknown_columns_are_refused() -> None:
    cols = dict(Portfolio.from_proposals([make_proposal()]).columns)
    cols["extraction.reserve_mt"] = cols["extraction.reserves_mt"]
    with pytest.raises(InputError, match=r"column extraction\.reserve_mt is not a field"):
        Portfolio(cols)


def test_each_row_is_converted_once(monkeypatch) -> None:
    calls: list[str] = []
    real = sim.portfolio.parse_proposal

    def counting(data, source, **kw):
        calls.append(source)
        return real(data, source, **kw)

    monkeypatch.setattr(sim.portfolio, "parse_proposal", counting)
    ps = [make_proposal(pid=f"P{i}") for i in range(3)]
    cols = {k: np.array(v, copy=True) for k, v in Portfolio.from_proposals(ps).columns.items()}
    pf = Portfolio(cols, source="q")
    assert len(calls) == 3  # converted during validation (small portfolio)
    for _ in range(2):
        assert [pf.proposal(i) for i in range(3)] == ps
        assert [p for p in pf.slice(1, 3)] == ps[1:]
    assert len(calls) == 3


# --------------------------------------------------------------------------------------------
# optional fields and their defaults


def test_finance_rates_default_to_the_sourced_library_values() -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    for name in FINANCE_DEFAULTED:
        del data["finance"][name]
    p = parse_proposal(data)
    defaults = input_defaults()
    for name in FINANCE_DEFAULTED:
        param = defaults[f"finance.{name}"]
        assert getattr(p.finance, name) == param.value
        assert p.to_dict()["finance"][name] == param.value  # outputs record the resolved value
        assert param.source in SOURCES and param.low <= param.value <= param.high
        assert len(param.description) > 60  # says where the number comes from
    # the same defaults for columns
    cols = dict(Portfolio.from_proposals([make_proposal()]).columns)
    for name in FINANCE_DEFAULTED:
        del cols[f"finance.{name}"]
    pf = Portfolio(cols)
    assert pf.proposal(0).finance.discount_rate == defaults["finance.discount_rate"].value


def test_mean_slope_is_optional() -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    del data["site"]["mean_slope_deg"]
    p = parse_proposal(data)
    assert p.site.mean_slope_deg is None
    assert "mean_slope_deg" not in p.to_dict()["site"]


@pytest.mark.parametrize(
    "value", ["2026-03-01", datetime.date(2026, 3, 1), tomllib.loads("d = 2026-03-01")["d"]]
)
def test_start_date_is_an_iso_date(value: Any) -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    data["proposal"]["start_date"] = value
    p = parse_proposal(data)
    assert p.proposal.start_date == datetime.date(2026, 3, 1)
    assert p.to_dict()["proposal"]["start_date"] == "2026-03-01"
    assert parse_proposal(p.to_dict()) == p


@pytest.mark.parametrize(
    "value,phrase",
    [
        ("01/03/2026", "expected an ISO date YYYY-MM-DD"),
        (datetime.datetime(2026, 3, 1, 8, 0), "without a time of day"),
        ("1850-01-01", "[1950, 2150]"),
        (2026, "invalid value"),
    ],
)
def test_bad_start_dates(value: Any, phrase: str) -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    data["proposal"]["start_date"] = value
    with pytest.raises(InputError) as info:
        parse_proposal(data, "plan.toml")
    assert "plan.toml: [proposal] start_date = " in str(info.value)
    assert phrase in str(info.value)


def test_years_written_with_their_unit_must_be_whole() -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    data["restoration"]["closure_years"] = "1.5年"
    with pytest.raises(InputError, match=r"closure_years.*whole number"):
        parse_proposal(data)


def test_chinese_names_of_values_read_as_the_values_they_name() -> None:
    """A plan's Chinese for an allowed value (new-user trial: 石灰岩, 山坡露天, 按产量 were refused)
    is read as that value by files and columns alike; an unknown name is still refused."""
    import tomllib

    from sim.contract import chinese_names

    root = Path(__file__).resolve().parents[1] / "scenarios" / "proposals"
    data = tomllib.loads((root / "hn-2026-0010-youxian-limestone-design.toml").read_text("utf-8"))
    data["site"]["pit_type"] = "hillside"
    plain = parse_proposal(copy.deepcopy(data))
    named = copy.deepcopy(data)
    named["site"]["pit_type"] = "山坡露天"
    named["site"]["substrate"] = "碳酸盐岩"
    named["proposal"]["mineral"] = "石灰岩"
    assert plain.site.substrate == "carbonate" and plain.proposal.mineral == "limestone"
    assert parse_proposal(named) == plain
    cols = {k: np.array(v, copy=True) for k, v in Portfolio.from_proposals([plain]).columns.items()}
    for path in ("site.pit_type", "site.substrate", "proposal.mineral"):
        section, key = path.split(".")
        cols[path] = np.array([named[section][key]], dtype=object)
    assert Portfolio(cols).proposal(0) == plain
    assert all(v in chinese_names()["proposal.mineral"].values() for v in ("limestone", "iron"))
    named["proposal"]["mineral"] = "石灰石矿"  # the mineral and 矿: read as its rock
    assert parse_proposal(named).proposal.mineral == "limestone"
    named["proposal"]["mineral"] = "石灰岩石"
    with pytest.raises(InputError, match="石灰岩石"):
        parse_proposal(named)


def test_a_percentage_for_a_share_is_read_or_named() -> None:
    """A reviewer writes a share as the plan prints it: "30%" is read as 0.3 (it was refused as
    'expected a number, got a string'), in the land-use table too; a bare 30 in a 0-1 field is
    refused with the reading 30% = 0.3."""
    data = copy.deepcopy(EXAMPLE_DATA)
    data["restoration"]["target_land_use"] = {"forest": "60%", "grassland": "20%",
                                              "farmland": "10%", "water": "10%"}  # fmt: skip
    assert parse_proposal(data) == make_proposal()
    assert "did you mean 50% = 0.5?" in _file_message("restoration.progressive_fraction", 50)
    assert "did you mean 3% = 0.03?" in _file_message("finance.discount_rate", 3)
    assert "did you mean" not in _file_message("finance.discount_rate", 300)


@pytest.mark.parametrize(
    "path,value,reading",
    [
        ("extraction.reserves_mt", 4_300_000.0, 'did you mean 4300000 t = 4.3 Mt? (write the '
         'number with its unit: "4300000 t")'),
        ("extraction.annual_output_mt", 500_000.0, "did you mean 500000 t/a = 0.5 Mt/yr?"),
        ("extraction.rock_density_t_per_m3", 2650.0, "did you mean 2650 kg/m³ = 2.65 t/m3?"),
        ("proposal.licensed_area_ha", 350_000.0, "did you mean 350000 m² = 35 ha?"),
    ],
)  # fmt: skip
def test_a_number_above_its_range_names_the_smaller_unit_it_fits(path, value, reading) -> None:
    """Reserves of 4,300,000 'Mt' (the plan's tonnes) were refused as above 10,000 Mt with no
    reading; the message now names the unit in which the number fits the field."""
    assert reading in _file_message(path, value)
    assert "did you mean" not in _file_message("extraction.reserves_mt", 1e13)


@pytest.mark.parametrize("written", ["43~48°", "43-48°", "43–48 °", "43至48度"])
def test_a_range_is_refused_as_a_range(written: str) -> None:
    """A plan may state 终了边坡角 43–48° (real-cases.md §5); copied as written it was refused
    as "unit '~48°'" or "expected a number, got a string". The message says it is a range and
    which end to take."""
    message = _file_message("site.final_highwall_slope_deg", written)
    assert "is a range; the field takes one number" in message and "steeper slope" in message


def test_a_quoted_number_is_told_how_to_write_it() -> None:
    """"3,000,000" (copied from a spreadsheet) in a TOML file was refused as "expected a number,
    got a string" with no way forward; the message now gives the number to write."""
    message = _file_message("finance.plan_restoration_cost_cny", "3,000,000")
    assert "write the number without quotes or separators: 3000000" in message
    assert "write the number" in _file_message("extraction.reserves_mt", "12")
