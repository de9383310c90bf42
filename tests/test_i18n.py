"""The reviewer's language (#14): catalogues, Chinese units, terminal, report, PDF, fonts, batch."""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from matplotlib import font_manager

import sim
from sim.cli import main
from sim.errors import InputError
from sim.fonts import CJK_FAMILIES, cjk_family, font_rc
from sim.i18n import ENV_VAR, catalogue, resolve_lang, use_lang
from sim.i18n.units import area, date, money
from sim.verdict_text import format_verdict

ROOT = Path(__file__).parents[1]
PROPOSALS = ROOT / "scenarios" / "proposals"
REJECTED = PROPOSALS / "hn-2026-0005-liuyang-granite.toml"  # highwall_slope
CONDITIONAL = PROPOSALS / "hn-2026-0008-xinhua-sandstone.toml"  # assurance
KEYWORDS = {"_": None, "N_": None, "NP_": ((1, "c"), 2), "Message": None}
CJK = re.compile(r"[\u4e00-\u9fff]")


def code_messages() -> set[tuple[str | None, str]]:
    """Every (context, id) the code marks for translation, as pybabel extracts them."""
    found = set()
    for _file, _line, msg, _comments, ctx in extract_from_dir(
        str(ROOT / "sim"), keywords=KEYWORDS, comment_tags=()
    ):
        found.add((ctx, msg[1] if isinstance(msg, tuple) else msg))
    return found


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.mark.slow
def test_every_message_in_the_code_is_translated_and_every_translation_is_used() -> None:
    zh = catalogue("zh")
    used = code_messages()
    assert used, "extraction found nothing"
    missing = sorted(m[1] for m in used if m not in zh)
    assert missing == [], f"not in the zh catalogue: {missing[:5]}"
    stale = sorted(m[1] for m in zh if m not in used)
    assert stale == [], f"translated but no longer used: {stale[:5]}"
    for (_ctx, msgid), text in zh.items():
        assert text.strip(), msgid
        assert fields(text) == fields(msgid), msgid
        words = re.findall(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", msgid))
        if len(words) >= 2:  # a phrase, not a unit or a bare connective
            assert CJK.search(text), msgid


@pytest.mark.slow
def test_the_template_is_current() -> None:
    """sim/i18n/locale/restoresim.pot lists exactly the messages of the code."""
    from babel.messages.pofile import read_po

    with (ROOT / "sim" / "i18n" / "locale" / "restoresim.pot").open("rb") as fh:
        pot = {(m.context, m.id) for m in read_po(fh) if m.id}
    assert pot == code_messages()


def test_language_resolution(monkeypatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_lang() == "en"
    hunan = sim.load_policy(ROOT / "scenarios" / "policies" / "hunan-screening.toml")
    assert hunan.policy.language == "zh" and sim.load_policy().policy.language is None
    assert resolve_lang(None, hunan) == "zh"
    assert resolve_lang("en", hunan) == "en"
    monkeypatch.setenv(ENV_VAR, "en")
    assert resolve_lang(None, hunan) == "en"
    monkeypatch.setenv(ENV_VAR, "fr")
    with pytest.raises(InputError, match="allowed languages are en, zh"):
        resolve_lang()


def test_chinese_units() -> None:
    import datetime as dt

    with use_lang("zh"):
        assert money(15_104_000) == "1510.40万元"
        assert area(15.5) == "15.50公顷（232.5亩）"
        assert date(dt.date(2026, 3, 7)) == "2026年3月7日"
    assert money(15_104_000) == "15.10 M CNY" and area(15.5) == "15.5 ha"


def test_policy_basis_is_data_and_names_real_criteria(tmp_path) -> None:
    policy = sim.load_policy()
    assert set(policy.basis) == set(type(policy.criteria).model_fields)
    assert "湘自资规〔2022〕3号" in policy.basis["assurance"].zh
    assert "自然资发〔2022〕142号" in policy.basis["protected_overlap"].zh
    bad = tmp_path / "p.toml"
    bad.write_text('[basis.assurence]\nzh = "x"\nen = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="assurence"):
        sim.load_policy(bad)


@pytest.fixture(scope="module")
def rejected_verdict() -> dict:
    return sim.evaluate([sim.load_proposal(REJECTED)], draws=100, seed=0).verdicts[0]


def test_terminal_verdict_in_chinese(capsys, monkeypatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert main(["evaluate", str(REJECTED), "--draws", "100", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "评审结论：不予通过" in out and "最终边坡角" in out and "万元" in out
    assert "公顷（" in out and "亩）" in out
    assert "M CNY" not in out and "Verdict" not in out
    monkeypatch.setenv(ENV_VAR, "zh")
    assert main(["evaluate", str(REJECTED), "--draws", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)  # JSON stays the English contract
    assert doc["verdict"] == "reject" and doc["deciding_criteria"] == ["highwall_slope"]


def test_english_terminal_keeps_its_words_and_labels_each_statistic(rejected_verdict) -> None:
    text = format_verdict(rejected_verdict)
    assert "Verdict: REJECT  (deciding: highwall_slope)" in text
    assert "disturbed area             P50 " in text and "peak unrestored P50" in text
    assert "expected (mean) unfunded liability" in text
    # the application's own words (its name, its bill's item names) are kept as written
    own = [rejected_verdict["name"]] + [
        x["item"] for x in rejected_verdict.get("bill", {}).get("not_modelled", [])
    ]
    flat = re.sub(r"\n +", " ", text)  # wrapped lines joined again
    for words in own:
        flat = flat.replace(words, "")
    assert not CJK.search(flat)


def test_two_deciding_criteria_are_listed_with_the_chinese_enumeration_comma(
    rejected_verdict,
) -> None:
    """A conditional verdict decided by two criteria read "决定性指标：修复基金保障程度, 需政府兜底
    的修复费用" on the terminal, in the report's banner and in the batch summary (an ASCII ", "
    in Chinese text)."""
    from sim.batch import Application, summary_html, summary_row

    v = {**rejected_verdict, "deciding_criteria": ["assurance", "unfunded_liability"]}
    both = "修复基金保障程度、需政府兜底的修复费用"
    with use_lang("zh"):
        assert f"（决定性指标：{both}）" in format_verdict(v)
        row = summary_row(Application(source="a.toml", id=v["proposal_id"]), {
            "verdict": v, "report": "reports/a.html"})  # fmt: skip
        assert both in summary_html([row], queue="q", seed=0, draws=10)
    with use_lang("en"):
        assert "(deciding: assurance, unfunded_liability)" in format_verdict(v)


def test_the_spatial_section_reads_label_and_text_with_a_chinese_colon(rejected_verdict) -> None:
    """The report's spatial screening said '占用生态保护红线等保护区域: 未评估：…' (an ASCII ': '
    between a Chinese label and its text)."""
    from types import SimpleNamespace

    from sim.report.html import _spatial

    d = SimpleNamespace(verdict=rejected_verdict, policy=sim.load_policy())
    with use_lang("zh"):
        text = _spatial(d, {})
    assert "占用生态保护红线等保护区域</code>：未评估" in text and "</code>: " not in text
    with use_lang("en"):
        assert "<code>protected_overlap</code>: Not assessed" in _spatial(d, {})


@pytest.mark.slow
def test_every_explanation_and_change_has_chinese_text() -> None:
    from sim.i18n.verdict import change, explanation

    ev = sim.evaluate(
        [sim.load_proposal(p) for p in sorted(PROPOSALS.glob("*.toml"))], draws=60, seed=0
    )
    with use_lang("zh"):
        for v in ev.verdicts:
            for c in v["criteria"]:
                assert CJK.search(explanation(c, v)), (v["proposal_id"], c["name"])
            for x in v["conditions"] + v["remedies"]:
                assert CJK.search(change(x)), x


def test_figures_resolve_a_cjk_font() -> None:
    """The font matplotlib resolves for every text of a Chinese figure has CJK glyphs."""
    from sim.report.analysis import analyse
    from sim.report.figures import FIGURES

    family = cjk_family()
    if family is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check the figures' CJK font: .ci/run installs fonts-noto-cjk")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    assert family in CJK_FAMILIES
    spatial = ROOT / "scenarios" / "spatial" / "hn-2026-0101-lianyuan-ridge.toml"
    policy = sim.load_policy(ROOT / "scenarios" / "policies" / "hunan-screening.toml")
    d = analyse(sim.load_proposal(spatial), policy, draws=30, seed=0, sensitivity_draws=None)
    with use_lang("zh"):
        for key in ("map", "cost-fan"):
            fig = FIGURES[key](d)
            texts = [t for t in fig.findobj(lambda o: hasattr(o, "get_fontproperties"))]
            chinese = [t for t in texts if CJK.search(getattr(t, "get_text", lambda: "")())]
            assert chinese, key
            for t in chinese:
                path = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
                name = font_manager.FontProperties(fname=path).get_name()
                assert "CJK" in name or name in CJK_FAMILIES, (key, t.get_text(), name)
    assert font_rc("en")["font.family"][0] == "DejaVu Sans"  # English figures keep their font


def _report(path: Path, policy=None, lang: str = "zh") -> tuple[object, str]:
    from sim.report import build_report

    return build_report(
        sim.load_proposal(path), policy, draws=60, seed=0, sensitivity_draws=None, lang=lang
    )


@pytest.mark.slow
def test_chinese_report_states_the_opinion(tmp_path: Path) -> None:
    # the rejected example (final wall too steep) with a fund too small for its cost, so a soft
    # criterion (assurance) fails too
    text = REJECTED.read_text(encoding="utf-8")
    short = text.replace("plan_restoration_cost_cny = 25_000_000", "plan_restoration_cost_cny = 0")
    assert short != text
    (tmp_path / REJECTED.name).write_text(short, encoding="utf-8")
    _d, html = _report(tmp_path / REJECTED.name)
    assert '<html lang="zh-CN">' in html
    opinion = html[html.index('id="opinion"') : html.index('<nav class="toc">')]
    assert "不予通过" in opinion and "一、评审结论" in opinion and "二、主要问题" in opinion
    assert "最终边坡角" in opinion and "GB 16423-2020" in opinion
    assert "评审专家（签名）" in opinion and "日期" in opinion
    # its failing soft criterion gets no condition now, and no claim that none could fix it
    assert "待方案整改否决项后再提出整改条件" in opinion and "无法通过调整达标" not in opinion
    _d, html = _report(CONDITIONAL)
    assert "附条件通过" in html and "湘自资规〔2022〕3号" in html and "首次存入" in html
    assert "将保证金提高至" not in html  # the packaged (Hunan) policy takes no bond
    body = html.split("</head>")[1].split('id="assumptions"')[0]  # the JSON stays English
    assert "万元" in body and "M CNY" not in body
    # the packaged policy by its Chinese name, not its identifier
    assert "默认审查政策" in body and "“default”" not in body and ">default<" not in body
    assert "金额以万元计" in html
    # the inputs appendix names each field as the plan does, land uses and the mineral in words
    inputs = html.split('class="inputs"')[1].split("</table>")[0]
    assert "方案中的名称" in html and "开采矿种" in inputs and "复垦方向面积比例：林地" in inputs
    # tonnages and areas also in the units the plans write them (万t, 万t/a, 亩), as money in 万元
    assert "万t）" in inputs and "万t/a）" in inputs and "亩）" in inputs
    # the assumptions appendix gives the library's evidence notes in Chinese (they stood in English)
    params = html.split('<table class="params">')[1].split("</table>")[0]
    assert "单价：" in params and "标准原文未能查得" in params and "Item price" not in params


@pytest.mark.slow
def test_english_report_has_the_opinion_in_english() -> None:
    _d, html = _report(REJECTED, lang="en")
    opinion = html[html.index('id="opinion"') : html.index('<nav class="toc">')]
    assert "REJECT" in opinion and "1. Conclusion" in opinion and "Reviewer (signature)" in opinion
    assert not CJK.search(opinion.replace("〔", "").split("4. Basis")[0].replace("HN-", ""))


needs_pdf = pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("CI"), reason="no chromium"
)


@pytest.mark.slow
@needs_pdf
def test_pdf_is_fileable_and_byte_identical(tmp_path) -> None:
    from sim.report import save

    _d, html = _report(REJECTED)
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    save(html, a, "pdf")
    save(html, b, "pdf")
    assert a.read_bytes() == b.read_bytes()
    assert b"/CreationDate (D:20000101000000" in a.read_bytes()
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must read the PDF back: .ci/run installs poppler-utils")
        pytest.skip("no pdftotext (poppler-utils)")
    text = subprocess.run(["pdftotext", str(a), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    n = len([p for p in pages if p.strip()])
    assert n >= 5
    assert all(f"第 {i} 页 共 {n} 页" in pages[i - 1] for i in range(1, n + 1))
    assert all("HN-2026-0005 · 生态修复可行性论证评审报告" in p for p in pages[:n])
    assert "目录" in text and re.search(r"敏感性分析\s", text)
    assert "不予通过" in pages[0] and "评审专家（签名）" in pages[0]


@pytest.mark.slow
def test_batch_in_chinese_writes_a_bom_csv(tmp_path) -> None:
    queue = tmp_path / "queue"
    queue.mkdir()
    shutil.copy(REJECTED, queue)
    out = tmp_path / "out"
    assert main(["batch", str(queue), "--out", str(out), "--draws", "40", "--lang", "zh"]) == 0
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,")
    page = (out / "summary.html").read_text("utf-8")
    assert "不予通过" in page and "最终边坡角" in page and "<script>" in page
    assert "不予通过" in (out / "reports" / "HN-2026-0005.html").read_text("utf-8")


def test_a_note_is_its_english_text_and_can_be_written_in_chinese() -> None:
    import copy
    import pickle

    from sim.i18n.message import Message, Money, Term, localise

    note = Message(
        "The ore price {price:g} CNY/t lies outside the typical range {lo:g}-{hi:g} CNY/t for "
        "{mineral}; revenue-based criteria depend on it.",
        price=10.0,
        lo=20.0,
        hi=40.0,
        mineral=Term("mineral", "limestone"),
    )
    assert json.dumps(note) == json.dumps(str(note)) and "for limestone;" in note
    for n in (note, copy.deepcopy(note), pickle.loads(pickle.dumps(note))):
        assert localise(n) == str(note)
        with use_lang("zh"):
            assert (
                localise(n) == "矿石价格10元/吨不在该矿种（石灰岩）的常见区间20～40元/吨之内；"
                "与销售收入相关的指标受其影响。"
            )
    with use_lang("zh"):
        assert f"{Money(9e6)}" == "900.00万元"


@pytest.mark.slow
def test_programme_summary_and_figures_in_chinese(capsys, tmp_path) -> None:
    scenario = ROOT / "scenarios" / "programme" / "hunan-yangtze-2019.toml"
    out = tmp_path / "p"
    args = ["programme", str(scenario), "--replications", "2", "--lang", "zh", "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "共545处矿点" in text and "2020年12月31日" in text and "瓶颈环节" in text
    assert (out / "progress.png").stat().st_size > 10_000
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert "bottleneck" in summary  # the JSON keeps its English keys


@pytest.mark.slow
def test_without_a_cjk_font_chinese_figures_fall_back_to_english(monkeypatch, capsys) -> None:
    """Never boxes: with no CJK font the figures are drawn in English, and one line says how to
    install a font."""
    import sim.fonts
    from sim.programme.plots import utilisation_figure
    from sim.programme.run import simulate
    from sim.programme.scenario import load_scenario

    monkeypatch.setattr(sim.fonts, "cjk_family", lambda: None)
    sim.fonts._warn_missing.cache_clear()
    scenario = load_scenario(ROOT / "scenarios" / "programme" / "hunan-yangtze-2019.toml")
    ds = simulate(scenario, replications=1, seed=0).dataset
    with use_lang("zh"):
        figs = [utilisation_figure(ds), utilisation_figure(ds)]
    for fig in figs:
        texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
        assert texts and not any(CJK.search(t) for t in texts)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fonts-noto-cjk" in err[0]
    sim.fonts._warn_missing.cache_clear()


@pytest.mark.slow
@needs_pdf
def test_english_pdf_has_the_opinion_and_page_numbers(tmp_path) -> None:
    from sim.report import save

    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (poppler-utils)")
    _d, html = _report(CONDITIONAL, lang="en")
    save(html, tmp_path / "r.pdf", "pdf")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True
    ).stdout
    first = text.split("\f")[0]
    assert "CONDITIONAL" in first and "Reviewer (signature)" in first and "Page 1 of " in first
    assert "HN-2026-0008 · restoration feasibility review" in first


def test_a_margin_too_small_for_its_decimals_is_shown_to_two_figures() -> None:
    """A licence 0.00025 ha smaller than its pit read 'margin -0.00 公顷, 不达标': a failing
    margin shown as zero. Margins that round to zero are shown to two significant figures."""
    from sim.fmt import criterion_value

    with use_lang("zh"):
        assert criterion_value("licensed_area", -0.00025, margin=True) == "-0.00025公顷"
        assert criterion_value("licensed_area", 0.0, margin=True) == "+0.00公顷"
        assert criterion_value("licensed_area", 3.456, margin=True) == "+3.46公顷"
        assert criterion_value("cost_to_revenue", -0.00002, margin=True) == "-0.002个百分点"
    with use_lang("en"):
        assert criterion_value("highwall_slope", -0.01, margin=True) == "-0.01°"
        assert criterion_value("highwall_slope", 5.0, margin=True) == "+5.0°"
