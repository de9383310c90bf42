"""Chinese files: CSV queues in UTF-8, UTF-8 with BOM or GB18030; the application template."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import EXAMPLE_DATA

import sim
from sim.batch import read_queue
from sim.cli import main
from sim.contract import field_specs
from sim.errors import InputError
from sim.proposal import load_proposal
from sim.template import WHERE, markdown_table, template_text

NAME = "攸县下湖矿区建筑石料用灰岩矿"


def _csv_text() -> str:
    header, row = [], []
    for section, table in EXAMPLE_DATA.items():
        for key, value in table.items():
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for sub, v in items:
                header.append(f"{section}.{key}" + (f".{sub}" if sub else ""))
                row.append(str(v).lower() if isinstance(v, bool) else str(v))
    row[header.index("proposal.name")] = NAME
    return ",".join(header) + "\n" + ",".join(row) + "\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_queues_are_read_in_the_encodings_chinese_offices_use(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "queue.csv"
    path.write_bytes(_csv_text().encode(encoding))
    (app,) = read_queue(path)
    assert app.error is None, app.error
    assert app.proposal.proposal.name == NAME


def test_a_gbk_queue_whose_superscripts_excel_wrote_as_question_marks(tmp_path: Path) -> None:
    """Excel saving "CSV" in the GBK code page writes ² and ³ (not in GBK) as '?': '0.35 km?'
    and '2.6 t/m?' were refused as unknown units. Where the field's unit allows one reading
    (an area: km²; a density: t/m³) it is read so; otherwise the message says what happened."""
    text = _csv_text().replace("35.0,", "0.35 km²,", 1).replace(",2.6,", ",2.6 t/m³,", 1)
    assert "0.35 km²" in text and "2.6 t/m³" in text
    path = tmp_path / "queue.csv"
    path.write_bytes(text.encode("cp936", errors="replace"))
    assert b"0.35 km?" in path.read_bytes()
    (app,) = read_queue(path)
    assert app.error is None, app.error
    assert app.proposal.proposal.licensed_area_ha == 35.0
    assert app.proposal.extraction.rock_density_t_per_m3 == 2.6
    path.write_bytes(_csv_text().replace(",1.0,", ",1 Mt/?,", 1).encode("gb18030"))
    (app,) = read_queue(path)
    assert "Excel writes '?' for a character" in str(app.error), app.error


@pytest.mark.parametrize(
    "raw,phrase",
    [
        ("proposal.name\ncafé,\n".encode("latin-1"), "neither UTF-8 (with or without BOM)"),
        (_csv_text().encode("utf-16"), "UTF-16"),
    ],
)
def test_an_undecodable_csv_names_the_file(tmp_path: Path, raw: bytes, phrase: str) -> None:
    path = tmp_path / "queue.csv"
    path.write_bytes(raw)
    with pytest.raises(InputError) as info:
        read_queue(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ") and phrase in msg
    assert "codec" not in msg


# --------------------------------------------------------------------------------------------
# the template


def test_every_field_says_where_a_plan_states_it() -> None:
    keys = {p.rsplit(".", 1)[0] if ".target_land_use." in p else p for p in field_specs()}
    assert keys == set(WHERE)
    text = template_text()
    for term, _, _ in WHERE.values():
        assert term.split(" ")[0] in text


def test_the_readme_maps_every_field() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    for line in markdown_table().splitlines()[2:]:
        assert line in readme, f"README lacks the row {line}"


def _fill_with_examples(text: str) -> str:
    return re.sub(r"^(\w+) = .+?  # e\.g\. (.+)$", r"\1 = \2", text, flags=re.MULTILINE)


def test_the_unfilled_template_is_refused_field_by_field(tmp_path: Path, capsys) -> None:
    path = tmp_path / "application.toml"
    assert main(["new", "--out", str(path)]) == 0
    assert path.read_text("utf-8") == template_text()
    with pytest.raises(InputError) as info:
        load_proposal(path)
    msg = str(info.value)
    for field in ("[proposal] id = ''", "[extraction] reserves_mt = nan", "topsoil_stripped"):
        assert field in msg
    assert "reserves_mt = nan: not filled in" in msg  # the blank is named as a blank
    assert main(["new", "--out", str(path)]) == 2  # no overwrite without --force
    assert "exists" in capsys.readouterr().err


def test_the_template_filled_with_its_examples_evaluates(tmp_path: Path) -> None:
    path = tmp_path / "application.toml"
    path.write_text(_fill_with_examples(template_text()), encoding="utf-8")
    assert re.search(r"^\w+ = .*\bnan\b", path.read_text("utf-8"), re.MULTILINE) is None
    assert tomllib.loads(path.read_text("utf-8"))["extraction"]["reserves_mt"] == 12.0
    p = load_proposal(path)
    assert p.id == EXAMPLE_DATA["proposal"]["id"]
    (verdict,) = sim.evaluate([p], draws=50, seed=0, conditions=False).verdicts
    assert verdict["verdict"] in ("approve", "conditional", "reject")


def _example_text() -> str:
    return sim.example_path().read_text(encoding="utf-8")


def _with(text: str, key: str, line: str) -> str:
    """The example's TOML with the line of ``key`` replaced by ``line``."""
    new, n = re.subn(rf"(?m)^{key} = .*$", line, text)
    assert n == 1, key
    return new


@pytest.mark.parametrize(
    "key,line",
    [
        (
            "target_land_use",
            'target_land_use = { "林地" = 0.6, "草地" = 0.2, "耕地" = 0.1, "坑塘水面" = 0.1 }',
        ),
        ("topsoil_stripped", 'topsoil_stripped = "是"'),
        ("substrate_amendment", 'substrate_amendment = "否"'),
    ],
)
def test_chinese_names_as_a_plan_writes_them_read_as_the_fields(tmp_path, key, line) -> None:
    """复垦方向 by its land-use names, 是/否 for true/false (robustness trial: refused)."""
    path = tmp_path / "p.toml"
    path.write_text(_with(_example_text(), key, line), encoding="utf-8")
    assert load_proposal(path) == load_proposal(sim.example_path())


def test_full_width_quantities_read_as_typed_half_width(tmp_path) -> None:
    """A Chinese input method types ２１８０.９万ｔ: full-width digits, letters and slash read as
    their ASCII forms (reviewer trial: '万ｔ' was refused as an unknown unit)."""
    text = _example_text()
    for key, line in [
        ("reserves_mt", 'reserves_mt = "１２００万ｔ"'),
        ("annual_output_mt", 'annual_output_mt = "１００万ｔ／ａ"'),
        ("licensed_area_ha", 'licensed_area_ha = "０.３５　ｋｍ²"'),
    ]:
        text = _with(text, key, line)
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    assert load_proposal(path) == load_proposal(sim.example_path())


def test_a_chinese_date_reads_as_the_date(tmp_path) -> None:
    import datetime

    text = re.sub(r"(?m)^\[proposal\]$", '[proposal]\nstart_date = "2026年3月1日"', _example_text())
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    assert load_proposal(path).proposal.start_date == datetime.date(2026, 3, 1)
    path.write_text(text.replace("2026年3月1日", "2026年2月30日"), encoding="utf-8")
    with pytest.raises(InputError, match="start_date"):
        load_proposal(path)


@pytest.mark.parametrize(
    "key,line,phrases",
    [
        ("method", 'method = "地下开采"', ("'underground' is not modelled yet",)),
        (
            "target_land_use",
            "target_land_use = { 林地 = 0.8, 草地 = 0.2 }",
            ("TOML syntax error at line", 'a key in Chinese must be in quotes: "林地" = …'),
        ),
        ("annual_output_mt", 'annual_output_mt = "100万t"', ("did you mean '万t/a'?",)),
        (
            "substrate_amendment",
            "substrate_amendment = 否",
            ('a text value must be in quotes: substrate_amendment = "否"',),
        ),
        ("stripping_ratio", "stripping_ratio ＝ 0.1", ("use the ASCII '=' (the full-width",)),
        # other punctuation and digits of a Chinese input method
        (
            "target_land_use",
            "target_land_use = { forest = 0.6， grassland = 0.2, farmland = 0.1, water = 0.1 }",
            ("the full-width '，' is not TOML: write the ASCII ','",),
        ),
        ("dump_height_m", "dump_height_m = ２０", ("the full-width '２' is not TOML: write",)),
        ("dump_height_m", "[财务]", ("section names are the English ones of the template",)),
        ("name", "name = “Example”", ("the full-width '“' is not TOML: write the ASCII '\"'",)),
    ],
)
def test_chinese_slips_get_the_fix(tmp_path, key, line, phrases) -> None:
    """地下开采 is refused as underground mining, a bare Chinese TOML key is told to be quoted,
    an output in 万t is told its unit is 万t/a."""
    path = tmp_path / "p.toml"
    path.write_text(_with(_example_text(), key, line), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_proposal(path)
    for phrase in phrases:
        assert phrase in str(info.value), (phrase, str(info.value))


def test_a_wrong_boolean_is_told_that_yes_and_no_in_chinese_work(tmp_path) -> None:
    """'yes' is refused with true/false and, for the fields that take them, 是/否 (re-trial:
    the message said 'not a string' while the string 是 is accepted)."""
    path = tmp_path / "p.toml"
    path.write_text(_with(_example_text(), "topsoil_stripped", 'topsoil_stripped = "yes"'), "utf-8")
    with pytest.raises(InputError, match='"是" or "否" may be written instead'):
        load_proposal(path)


def test_the_dump_height_asked_for_is_the_mean_one() -> None:
    """The dumps' footprint is their volume over dump_height_m, so the height is the mean one
    (容积 ÷ 占地面积). The template asked for 排土场堆积高度, and a reviewer entered the plan's
    maximum: 临湘胜龙's 20 m dump of 32.7万 m³ came out 1.63 ha against its stated 24,244 m²
    (its mean height is 32.7万 / 24,244 = 13.5 m)."""
    text = template_text()
    assert "排土场平均堆高 (排土场容积 ÷ 占地面积; 不是最大堆高)" in text
    assert "not the maximum height" in text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_proposal_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    """Notepad's "Unicode" saves UTF-16: the file was refused as "binary file (contains NUL
    bytes)", which a reviewer who typed it cannot make sense of."""
    text = _example_text()
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    path = tmp_path / "p.toml"
    path.write_bytes(raw)
    with pytest.raises(InputError) as info:
        load_proposal(path)
    assert "UTF-16 (Windows Notepad's 'Unicode'); save it as UTF-8" in str(info.value)


def test_the_template_says_shares_and_rates_take_percentages() -> None:
    """Shares and yearly rates take "30%" (sim.quantities.percent); the template, which said
    only "0-1", says so where the reviewer fills them in."""
    assert '[% ÷ 100 = 0-1; "30%"]' in template_text()
    assert '[1/yr; "6%"]' in template_text()
