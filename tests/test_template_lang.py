"""The application template in the reviewer's language (`restoresim new --lang zh`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cli import main
from sim.contract import bill_field_specs, field_specs
from sim.i18n import ENV_VAR, use_lang
from sim.proposal import load_proposal
from sim.template import WHERE, _columns, _wrap_cjk, template_text

CJK = re.compile(r"[\u4e00-\u9fff]")
EXAMPLE_MARK = {"en": "e.g.", "zh": "示例"}
#: words a Chinese comment may keep: formats, placeholders and the command's name
KEPT_WORDS = {
    "TOML", "CSV", "XLSX", "UTF", "BOM", "ISO", "YYYY", "GeoJSON", "Shapefile", "GeoPackage",
    "CGCS", "nan", "true", "false", "restoresim",
}  # fmt: skip
#: a command (``restoresim evaluate``), a file path, a parameter or code key, a file extension
NOT_PROSE = re.compile(
    r"`[^`]*`|restoresim \w+|\b[\w-]+(?:/[\w.<>-]+)+\.(?:toml|md)\b"
    r"|\b(?:sim|cost|schedule)\.[\w.<>]+|(?<!\w)\.(?:csv|txt|xlsx)\b"
)


def _lang_text(lang: str) -> str:
    with use_lang(lang):
        return template_text()


def _fill_with_examples(text: str, lang: str) -> str:
    mark = re.escape(EXAMPLE_MARK[lang])
    return re.sub(rf"^(\w+) = .+?  # {mark} (.+)$", r"\1 = \2", text, flags=re.MULTILINE)


def _contract_words() -> set[str]:
    """Field keys, section names, allowed values and units: the contract's own words."""
    specs = {**field_specs(), **bill_field_specs()}
    words: set[str] = set()
    for path, spec in specs.items():
        words |= set(re.findall(r"[A-Za-z_]+", path))
        words |= {str(v) for v in spec.allowed() or ()}
        words |= set(re.findall(r"[A-Za-z]+", spec.unit))
    for _term, _where, unit in WHERE.values():
        words |= set(re.findall(r"[A-Za-z]+", unit))
    return words


def _english_words(comment: str, allowed: set[str]) -> list[str]:
    prose = NOT_PROSE.sub(" ", comment)
    return [w for w in re.findall(r"[A-Za-z_]*[A-Za-z]{3,}[A-Za-z_]*", prose) if w not in allowed]


def _is_toml(line: str) -> bool:
    """Whether ``line`` (without a leading '# ') is a line of TOML: ``key = value`` or a table
    header, with or without a trailing comment (a commented-out line of the template)."""
    try:
        tomllib.loads(line.removeprefix("# "))
    except tomllib.TOMLDecodeError:
        return False
    return bool(line.removeprefix("# ").strip())


def _comments(text: str) -> list[str]:
    """The comment of every line: a comment line's text; of a value line or a commented-out
    ``key = value`` or table header, only its trailing comment."""
    out = []
    for line in text.splitlines():
        if _is_toml(line):  # a value line's comment is its example, after the mark
            trailer = line.partition("  # ")[2]
            out.append(re.sub(r"^(示例|e\.g\.) .*", r"\1", trailer))
        elif line.startswith("#"):
            out.append(line[1:])
    return out


def test_every_comment_of_the_chinese_template_is_chinese() -> None:
    text = _lang_text("zh")
    allowed = _contract_words() | KEPT_WORDS
    found = {
        comment: words for comment in _comments(text) if (words := _english_words(comment, allowed))
    }
    assert found == {}, f"English in the zh template: {list(found.items())[:5]}"
    assert "e.g." not in text
    # a value line's comment is the example, marked in Chinese
    value_lines = [x for x in text.splitlines() if re.match(r"^\w+ = ", x)]
    assert value_lines and all("  # 示例 " in x for x in value_lines)


def test_the_check_finds_the_english_of_the_english_template() -> None:
    """The check above is not vacuous: it finds the English prose, not the contract's words."""
    allowed = _contract_words() | KEPT_WORDS
    english = [w for c in _comments(_lang_text("en")) for w in _english_words(c, allowed)]
    assert {"plan", "default", "optional", "Allowed"} <= set(english)
    assert not {"reserves_mt", "limestone", "nan", "CNY"} & set(english)


def test_the_chinese_template_fills_to_the_same_application(tmp_path: Path) -> None:
    en, zh = _lang_text("en"), _lang_text("zh")
    tomllib.loads(zh)  # the unfilled template is TOML too
    filled = {lang: _fill_with_examples(t, lang) for lang, t in (("en", en), ("zh", zh))}
    docs = {lang: tomllib.loads(t) for lang, t in filled.items()}
    assert docs["zh"] == docs["en"]
    assert docs["zh"]["extraction"]["reserves_mt"] == 12.0
    assert not re.search(r"^\w+ = .*\bnan\b", filled["zh"], re.MULTILINE)

    # the same lines of TOML, in the same order: only the comments differ
    def toml_lines(text: str) -> list[str]:
        return [x.partition("  # ")[0] for x in text.splitlines() if _is_toml(x)]

    assert toml_lines(filled["zh"]) == toml_lines(filled["en"])
    assert len(toml_lines(filled["zh"])) > len(WHERE) + len(bill_field_specs())
    path = tmp_path / "申请.toml"
    path.write_text(filled["zh"], encoding="utf-8")
    (tmp_path / "en.toml").write_text(filled["en"], encoding="utf-8")
    assert load_proposal(path).to_dict() == load_proposal(tmp_path / "en.toml").to_dict()


def test_descriptions_compose_to_the_english_contract() -> None:
    """The template's descriptions are the contract's: in English exactly its descriptions, in
    Chinese their translations (each with its unit and range), never the English text."""
    specs = {**field_specs(), **bill_field_specs()}
    for path, spec in specs.items():
        assert spec.describe() == spec.description, path
    with use_lang("zh"):
        for path, spec in specs.items():
            if spec.text:
                assert CJK.search(spec.describe()), path
                assert spec.describe() != spec.description, path
        licence = field_specs()["proposal.licensed_area_ha"].describe()
        assert licence.endswith("[公顷]；合理范围 (0, 100000]")
        ramp = field_specs()["extraction.ramp_up_years"].describe()
        assert "取整数 [年]；合理范围 [0, 100]" in ramp


def test_start_date_says_what_uses_it() -> None:
    desc = field_specs()["proposal.start_date"].description
    assert "not used" not in desc and "restoresim monitor" in desc


def test_new_writes_the_chinese_template_and_keeps_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    out = tmp_path / "application.toml"
    assert main(["new", "--lang", "zh", "--out", str(out)]) == 0
    assert out.read_text("utf-8") == _lang_text("zh")
    assert "已写入" in capsys.readouterr().err  # the closing line in Chinese too
    out.write_text("mine", encoding="utf-8")
    assert main(["new", "--lang", "zh", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "已存在" in err and "--force" in err
    assert out.read_text("utf-8") == "mine"
    assert main(["new", "--lang", "zh", "--out", str(out), "--force"]) == 0
    assert out.read_text("utf-8") == _lang_text("zh")


def test_new_takes_the_file_as_its_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`restoresim new plan.toml` writes plan.toml, as a new user first types it (it was refused
    as an unrecognised argument); the same file twice is one file, two different ones an error."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    out = tmp_path / "plan.toml"
    assert main(["new", str(out), "--lang", "zh"]) == 0
    assert out.read_text("utf-8") == _lang_text("zh")
    assert main(["new", str(out)]) == 2  # kept, as with --out
    assert "--force" in capsys.readouterr().err and out.read_text("utf-8") == _lang_text("zh")
    assert main(["new", str(out), "--out", str(out), "--force"]) == 0
    assert out.read_text("utf-8") == _lang_text("en")
    other = tmp_path / "other.toml"
    assert main(["new", str(out), "--out", str(other), "--lang", "zh"]) == 2
    assert "请只给一个" in capsys.readouterr().err and not other.exists()


def test_new_takes_its_language_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "zh")
    assert main(["new"]) == 0
    assert capsys.readouterr().out == _lang_text("zh")
    assert main(["new", "--lang", "en"]) == 0  # --lang wins
    assert capsys.readouterr().out == _lang_text("en")
    monkeypatch.delenv(ENV_VAR)
    assert main(["new"]) == 0
    assert capsys.readouterr().out == _lang_text("en")


def test_chinese_comment_lines_fit_the_width() -> None:
    for line in _lang_text("zh").splitlines():
        if line.startswith("#") and not re.match(r"^# \w+ = ", line):
            assert _columns(line) <= 98, line


@given(
    st.text(alphabet=st.sampled_from(list("复垦基金计提，。（）“” abcXYZ_/.0123;:")), max_size=300),
    st.integers(10, 60),
)
def test_wrapping_keeps_every_character_and_the_width(text: str, width: int) -> None:
    lines = _wrap_cjk(text, width, "# ")
    body = [x[2:] for x in lines]
    assert all(x.startswith("# ") for x in lines)
    assert "".join(body).replace(" ", "") == text.replace(" ", "")
    for x in body:
        # a line over the width is one unbreakable run (a word, a number, an identifier)
        assert _columns(x) <= width or " " not in x.strip()


def test_the_chinese_template_names_each_allowed_value_in_chinese() -> None:
    """A reviewer sees that 石灰岩, 露天开采, 按产量 may be written (re-trial: the zh template
    listed only the English keys)."""
    from sim.i18n import use_lang
    from sim.template import template_text

    with use_lang("zh"):
        text = template_text().replace("\n# ", "")
    for shown in ("limestone（石灰岩）", "open_pit（露天开采）", "plan_cost_by_output（按产量）"):
        assert shown in text, shown
    assert "也可直接填写中文名称" in text
    assert "（石灰岩）" not in template_text()  # English as it was
