"""The reviewer's report: its content, its numbers against the verdict, and the CLI."""

from __future__ import annotations

import json
import os
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from conftest import REVIEW_DRAWS, make_proposal

import sim
from sim.cli import main
from sim.params import load_library
from sim.report import analyse, inputs_sha256, save
from sim.report.analysis import applicant_statement, percentile_of
from sim.report.figures import screening_map, to_png
from sim.report.html import SECTIONS, render
from sim.report.pdf import find_chromium

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "scenarios" / "proposals" / "hn-2026-0001-example-limestone.toml"
QIDONG = ROOT / "scenarios" / "proposals" / "hn-2026-0002-qidong-limestone.toml"
FIGURES = (
    "disturbance",
    "cost-fan",
    "cost-breakdown",
    "applicant",
    "bill",
    "cover",
    "recovery",
    "assurance",
    "tornado",
)


class Page(HTMLParser):
    """What the tests read from a report: sections, images, data rows, embedded JSON."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[tuple[str, str]] = []  # (figure id, src)
        self.rows: dict[str, list[dict[str, str]]] = {}  # table class -> data-* of its rows
        self.json: dict[str, str] = {}
        self._figure = ""
        self._table = ""
        self._script = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.sections.append(a["id"])
        elif tag == "figure":
            self._figure = a.get("id", "")
        elif tag == "img":
            self.images.append((self._figure, a["src"]))
        elif tag == "table":
            self._table = a.get("class", "")
        elif tag == "tr":
            data = {k[5:]: v for k, v in a.items() if k.startswith("data-")}
            if data:
                self.rows.setdefault(self._table, []).append(data)
        elif tag == "script" and a.get("type") == "application/json":
            self._script = a["id"]

    def handle_data(self, data: str) -> None:
        if self._script:
            self.json[self._script] = self.json.get(self._script, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = ""


@pytest.fixture(scope="module")
def example(review_batch):
    """The example's report and verdict record, from the session's batch."""
    _queue, out, rc = review_batch
    assert rc == 0
    html = (out / "reports" / "HN-2026-0001.html").read_text(encoding="utf-8")
    record = json.loads((out / "verdicts" / "HN-2026-0001.json").read_text(encoding="utf-8"))
    return html, Page(html), record


def test_every_section_in_order(example) -> None:
    _, page, _ = example
    assert page.sections == [key for key, _ in SECTIONS]


def test_metrics_appendix_lists_every_metric_with_its_registered_unit(example) -> None:
    _, page, record = example
    metrics = record["verdict"]["metrics"]
    rows = [{k: json.loads(v) for k, v in r.items()} for r in page.rows["metrics"]]
    assert rows == [
        {"name": name, "unit": record["verdict"]["metric_units"][name]} for name in metrics
    ]
    assert record["verdict"]["metric_units"]["cost_p50_cny"] == "CNY"


def test_every_figure_embedded_as_png(example) -> None:
    html, page, _ = example
    assert [f"fig-{k}" for k in FIGURES] == [fid for fid, _ in page.images]
    for _, src in page.images:
        assert src.startswith("data:image/png;base64,") and len(src) > 10_000
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_criteria_table_matches_the_verdict_json(example) -> None:
    _, page, record = example
    verdict = record["verdict"]
    assert json.loads(page.json["verdict-json"]) == verdict
    rows = page.rows["criteria"]
    assert [json.loads(r["name"]) for r in rows] == [c["name"] for c in verdict["criteria"]]
    for row, c in zip(rows, verdict["criteria"], strict=True):
        for key in ("value", "threshold", "margin", "passed", "hard"):
            assert json.loads(row[key]) == c[key], (c["name"], key)


def test_verdict_banner_names_the_deciding_criteria(example) -> None:
    html, _, record = example
    v = record["verdict"]
    assert f'data-verdict="{v["verdict"]}"' in html
    banner = html.split('id="verdict-banner"')[1].split("</div></div>")[0]
    for name in v["deciding_criteria"]:
        assert name in banner


def test_applicant_percentile_statement(example, policy) -> None:
    html, _, record = example
    p = sim.load_proposal(EXAMPLE)
    ev = sim.evaluate([p], policy, draws=REVIEW_DRAWS, seed=0, raw=True, conditions=False)
    cost = ev.raw["cost_cny"].values[0]
    pct = percentile_of(cost, p.finance.plan_restoration_cost_cny)
    assert record["applicant_percentile"] == pytest.approx(pct, abs=0.05)
    statement = f"is at the P{round(pct)} of our estimate"
    assert 0 < pct < 100 and statement in html


def test_our_bill_by_measure_without_an_applicant_bill(example) -> None:
    html, page, record = example
    assert "bill" not in record["verdict"]
    rows = page.rows["bill"]
    measures = [json.loads(r["measure"]) for r in rows]
    assert measures[-1] == "total" and "wall_greening" in measures
    assert not any("flag" in r for r in rows)  # no applicant's column
    assert "gives no bill of quantities" in html.split('id="bill-statement">')[1].split("</p>")[0]


def test_applicant_bill_beside_ours(review_batch) -> None:
    _queue, out, _rc = review_batch
    html = (out / "reports" / "HN-2026-0005.html").read_text(encoding="utf-8")
    page = Page(html)
    record = json.loads((out / "verdicts" / "HN-2026-0005.json").read_text(encoding="utf-8"))
    bill = record["verdict"]["bill"]
    rows = {json.loads(r["measure"]): r for r in page.rows["bill"]}
    for m in bill["measures"]:
        row = rows[m["measure"]]
        assert json.loads(row["flag"]) == m["flag"]
        assert json.loads(row["percentile"]) == pytest.approx(m["percentile"])
    assert json.loads(rows["demolition"]["left-out"]) is True
    left_out = html.split('id="bill-left-out">')[1].split("</p>")[0]
    assert "Demolition" in left_out
    # the bill's 削坡及危岩清理 and 挡土墙 are priced by our wall measures
    assert {"cutback", "wall_drains"} <= set(rows)
    flags = {m["flag"] for m in bill["measures"]}
    assert "above_p95" in flags  # the plan's spray, aftercare and fees run above our P95
    assert "above our P95" in html
    assert ("likely under-costed" in html) == ("below_p05" in flags)


def test_applicant_statement_edges() -> None:
    cost = np.linspace(10e6, 20e6, 101)
    assert "no restoration cost estimate" in applicant_statement(0.0, cost)
    assert "below every simulated draw" in applicant_statement(5e6, cost)
    assert "above every simulated draw" in applicant_statement(25e6, cost)
    assert "at the P50 of our estimate" in applicant_statement(15e6, cost)
    # on the bills at the prices of their years too (a plan's dynamic total): 20 % dearer here
    both = applicant_statement(15e6, cost, cost * 1.2)
    assert both.startswith(applicant_statement(15e6, cost))
    assert re.search(r"which the fund accrues\) it is at the P2[56] of ours", both)
    assert "at the <P1 of ours" in applicant_statement(5e6, cost, cost * 1.2)


def test_assumptions_appendix_lists_every_parameter_that_acts(example) -> None:
    """Every library entry that can act on the application, in the library's order, each with
    its readable name; another region's recovery values and another rock's bench faces are
    left out (they cannot change this application's numbers)."""
    from sim.report.analysis import param_label

    html, page, _ = example
    rows = page.rows["params"]
    lib = load_library()
    p = sim.load_proposal(EXAMPLE)
    region, substrate = p.proposal.region, p.site.substrate
    names = [json.loads(r["name"]) for r in rows]
    kept = [
        n for n in (r["name"] for r in lib.rows())
        if not n.startswith("regions.") or n.startswith(f"regions.{region}.")
    ]
    kept = [n for n in kept if not n.startswith(("cost.wall_bench_face_angle.",
            "cost.wall_spray_share.")) or n.endswith(f".{substrate}")]  # fmt: skip
    assert names == kept and len(lib.rows()) - len(names) >= 4 * 8 + 2 * 5
    block = html.split('<table class="params">')[1].split("</table>")[0]
    for name in names:
        assert f"{param_label(name)}<br><code>{name}</code>" in block


def test_reproducibility_block(example, policy) -> None:
    html, _, record = example
    p = sim.load_proposal(EXAMPLE)
    sha = inputs_sha256(p, policy, load_library())
    assert record["inputs_sha256"] == sha
    assert f'<code id="inputs-sha256">{sha}</code>' in html
    block = html.split('<section id="reproducibility">')[1]
    assert f"<dd>{REVIEW_DRAWS}</dd>" in block and "<dd>0</dd>" in block
    assert f"restoresim {sim.__version__}" in block


def test_cost_breakdown_adds_up_and_says_so(example) -> None:
    html, _, _ = example
    statement = html.split('id="breakdown-statement">')[1].split("</p>")[0]
    assert "add up to it exactly" in statement
    table = html.split('<table class="breakdown">')[1].split("</table>")[0]
    cells = [float(x) for x in re.findall(r">([\d,.]+) M CNY<", table)]
    *items, total = cells
    assert sum(items) == pytest.approx(total, abs=0.01 * len(items))


def test_conditions_section_lists_each_condition(example) -> None:
    html, _, record = example
    section = html.split('<section id="conditions">')[1].split("</section>")[0]
    for c in record["verdict"]["conditions"]:
        assert c["field"] in section


# ------------------------------------------------------------------------------------------
# the command line


@pytest.mark.slow
def test_report_cli_is_reproducible_and_never_overwrites(capsys, tmp_path, review_batch) -> None:
    """The CLI report equals the batch one byte for byte; no overwriting without --force."""
    queue, review, _rc = review_batch
    out = tmp_path / "sub" / "report.html"
    args = ["report", str(queue / QIDONG.name), "--draws", str(REVIEW_DRAWS), "--out", str(out)]
    assert main(args) == 0
    assert "HN-2026-0002" in capsys.readouterr().err
    before = out.read_bytes()
    assert before == (review / "reports" / "HN-2026-0002.html").read_bytes()
    assert main([*args, "--seed", "5"]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main([*args, "--seed", "5", "--force"]) == 0
    assert out.read_bytes() != before
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]  # no temp files


@pytest.mark.parametrize(
    "args,expected",
    [
        (["missing.toml"], "missing.toml"),
        ([str(ROOT / "tests" / "data" / "bad" / "negative-reserves.toml")], "reserves_mt"),
        ([str(EXAMPLE), "--param", "cost.regrade_unit_cost=999"], "outside its plausible range"),
        ([str(EXAMPLE), "--policy", "nope.toml"], "nope.toml"),
    ],
)
def test_report_bad_input_exits_2(capsys, tmp_path, args, expected) -> None:
    rc = main(["report", *args, "--draws", "20", "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_report_out_is_a_directory_exits_2(capsys, tmp_path) -> None:
    assert main(["report", str(EXAMPLE), "--draws", "20", "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_pdf_without_a_browser_exits_2_naming_what_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORESIM_CHROMIUM", "no-such-browser-here")
    out = tmp_path / "r.pdf"
    assert main(["report", str(EXAMPLE), "--draws", "20", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
def test_pdf_report(example, tmp_path) -> None:
    """The same page printed to PDF by headless Chromium (the CLI's --format pdf path)."""
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium (installed by .ci/run) to print the PDF report")
        pytest.skip("no chromium on PATH: install Debian's chromium to print PDF reports")
    html, _, _ = example
    out = tmp_path / "r.pdf"
    save(html, out, "pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 200_000  # eight raster figures inside
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


def test_a_boundary_adds_the_screening_map() -> None:
    spatial = ROOT / "scenarios" / "spatial"
    policy = sim.load_policy(ROOT / "scenarios" / "policies" / "hunan-screening.toml")
    p = sim.load_proposal(spatial / "hn-2026-0101-lianyuan-ridge.toml")
    d = analyse(p, policy, draws=30, seed=0, sensitivity_draws=None)
    page = Page(render(d, {"map": to_png(screening_map(d))}))
    assert [fid for fid, _ in page.images] == ["fig-map"]
    assert "spatial" in page.sections
    overlap = next(c for c in d.verdict["criteria"] if c["name"] == "protected_overlap")
    assert overlap["passed"] is False
    assert escape(overlap["explanation"]) in render(d, {})


def test_a_bond_is_named_only_where_one_is_posted(example) -> None:
    """Hunan's instrument is the fund: with no bond the assurance section and figure speak of
    the fund alone; a proposal that posts a bond is shown fund plus bond."""
    html, _, _ = example
    section = html.split('id="assurance"')[1].split("</section>")[0]
    section = re.sub(r'src="data:[^"]*"', "", section)  # the figure's base64
    assert "The restoration fund covers every restoration bill" in section
    assert "bond" not in section.lower()
    p = sim.load_proposal(EXAMPLE)
    bonded = p.model_copy(
        update={"finance": p.finance.model_copy(update={"bond_cny": 2_000_000.0})}
    )
    d = analyse(bonded, sim.load_policy(), draws=30, seed=0, sensitivity_draws=None)
    section = render(d, {}).split('id="assurance"')[1].split("</section>")[0]
    assert "Fund plus bond cover every restoration bill" in section


def test_every_parameter_has_a_readable_name_in_both_languages() -> None:
    """The tornado and the assumptions appendix name parameters as a reviewer reads them, not
    by their dotted names."""
    from sim.i18n import use_lang
    from sim.i18n.units import unit_text
    from sim.report.analysis import param_label, sensitivity_parameters
    from sim.resolve import resolve

    lib, policy = load_library(), sim.load_policy()
    names: set[str] = set()
    for path in sorted((ROOT / "scenarios" / "proposals").glob("*.toml")):
        p = sim.load_proposal(path)
        names |= set(sensitivity_parameters(p, resolve(p, policy, lib), lib))
    # every region, land use and wall class the patterns cover
    names |= set(lib.params)  # and every entry of the library (the assumptions appendix)
    assert len(names) > 100
    for name in sorted(names):
        with use_lang("en"):
            assert param_label(name) != name, name
        with use_lang("zh"):
            assert re.search(r"[\u4e00-\u9fff]", param_label(name)), name
            assert not re.search(r"[a-z]{3}", param_label(name)), name  # no English word left
    with use_lang("zh"):
        assert unit_text("CNY/m2") == "元/m²" and unit_text("1/yr") == "1/年"


def test_a_zero_p90_liability_beside_a_positive_mean_is_explained(example) -> None:
    html, _, record = example
    m = record["verdict"]["metrics"]
    said = "nothing is left to the public (hence the P90 of 0)" in html
    assert said == (
        m["unfunded_liability_p90_cny"] == 0 and m["expected_unfunded_liability_cny"] > 0
    )
    assert said  # the example: most draws leave nothing, a few leave a lot


class _Terminal:
    """A stderr that says it is a terminal and keeps what is written to it."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_shows_its_steps_on_a_terminal(monkeypatch, tmp_path, lang) -> None:
    """`restoresim report` takes seconds (the figures): on a terminal it shows each step done,
    in the reviewer's language; nothing when stderr is not a terminal."""
    from sim.i18n import _, use_lang
    from sim.proposal import load_proposal
    from sim.report import REPORT_STEPS, write_report

    monkeypatch.setenv("COLUMNS", "120")
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    write_report(
        load_proposal(EXAMPLE), tmp_path / "r.html", draws=50, lang=lang, progress=True
    )
    with use_lang(lang):
        words = [_("report"), _("evaluation and conditions"), _("sensitivity"), _("figures")]
    for word in words:
        assert word in term.text
    assert f"{REPORT_STEPS}/{REPORT_STEPS}" in term.text
    assert REPORT_STEPS == 3 + len(FIGURES) + 1  # the map is a step even without a boundary
    monkeypatch.setattr(term, "isatty", lambda: False)
    term.text = ""
    write_report(load_proposal(EXAMPLE), tmp_path / "s.html", draws=50, progress=True)
    assert term.text == ""


def test_opinion_names_changed_parameters() -> None:
    """A report made with --param says so on its review-opinion page: the opinion holds only
    with the changed value."""
    from sim.i18n import use_lang
    from sim.proposal import load_proposal
    from sim.report.opinion import opinion

    p = load_proposal(EXAMPLE)
    plain = analyse(p, draws=50, sensitivity_draws=None)
    changed = analyse(
        p, draws=50, sensitivity_draws=None, params={"cost.common_factor_sigma": 0.4}
    )
    with use_lang("zh"):
        assert "调整的参数" not in opinion(plain)
        page = opinion(changed)
    assert "调整的参数" in page and "cost.common_factor_sigma = 0.4" in page


def test_opinion_explains_how_the_fund_condition_is_sized(example) -> None:
    """The example's fund condition (above its P90 cost) comes with how it is sized."""
    html, _page, record = example
    conditions = record["verdict"]["conditions"]
    assert any(c["field"] == "finance.plan_restoration_cost_cny" for c in conditions)
    text = re.sub(r"\s+", " ", html)
    assert "earns interest" in text or "快于基金利息" in text


def test_condition_values_carry_their_unit() -> None:
    """The conditions table's value is what the file takes, with the field's unit (new-user
    trial: '59,800,000' stood beside 5980万元 without saying it is 元)."""
    from sim.i18n import use_lang
    from sim.report.html import _field_value

    with use_lang("zh"):
        assert _field_value("finance.plan_restoration_cost_cny", 59_800_000.0) == "59,800,000 元"
        assert _field_value("site.final_highwall_slope_deg", 45.0) == "45 °"
    assert _field_value("finance.fund_initial_deposit_cny", 2.5e6) == "2,500,000 CNY"
    assert _field_value("restoration.progressive_fraction", 0.5) == "0.5"


def test_soft_failure_beside_a_hard_one_is_not_called_unfixable() -> None:
    """Conditions are searched only once the hard failures are fixed; the report must not say
    a soft criterion (assurance) cannot be fixed when it merely waits for them (robustness
    trial: the zh report said 任何调整均无法使其达标 beside a licence rejection)."""
    from types import SimpleNamespace

    from sim.i18n import use_lang
    from sim.report.html import _conditions

    def verdict(hard_fails: bool) -> SimpleNamespace:
        criteria = [
            {"name": "licensed_area", "hard": True, "passed": not hard_fails},
            {"name": "assurance", "hard": False, "passed": False},
        ]
        return SimpleNamespace(verdict={"criteria": criteria, "remedies": [], "conditions": []})

    with use_lang("zh"):
        waiting = _conditions(verdict(True))
        alone = _conditions(verdict(False))
    assert "待方案整改否决项后" in waiting and "任何调整均无法使其达标" not in waiting
    assert "任何调整均无法使其达标" in alone
    assert "once the plan fixes the hard failures" in _conditions(verdict(True))


def test_inputs_appendix_gives_units_and_the_plans_names() -> None:
    """Each input with its unit, allowed values by the names the plans use, money also in 万元
    (robustness trial: 储量 '18', 矿区面积 '18.1', '12,000,000' stood without a unit and
    open_pit, plan_cost_by_output in English)."""
    from types import SimpleNamespace

    from sim.i18n import use_lang
    from sim.report.appendix import inputs

    d = SimpleNamespace(proposal=sim.load_proposal(EXAMPLE))
    with use_lang("zh"):
        block = inputs(d)
    row = block.split("<code>proposal.licensed_area_ha</code>")[1].split("</tr>")[0]
    assert "35" in row and "公顷" in row
    row = block.split("<code>proposal.method</code>")[1].split("</tr>")[0]
    assert "露天开采（open_pit）" in row
    row = block.split("<code>finance.plan_restoration_cost_cny</code>")[1].split("</tr>")[0]
    assert "9,000,000（900.00万元）" in row and "元" in row
    row = block.split("<code>restoration.topsoil_stripped</code>")[1].split("</tr>")[0]
    assert "是" in row
    english = inputs(d)
    row = english.split("<code>extraction.reserves_mt</code>")[1].split("</tr>")[0]
    assert "Mt" in row


def test_a_change_that_rounds_to_nothing_has_no_minus_sign() -> None:
    """'-0.00 M CNY' stood in the remedies table for a change of a few thousand 元."""
    from sim.i18n import use_lang
    from sim.i18n.units import money

    assert money(-4_000.0, sign=True) == "+0.00 M CNY"
    assert money(-20_000.0, sign=True) == "-0.02 M CNY"
    with use_lang("zh"):
        assert money(-40.0, sign=True) == "+0.00万元"
        assert money(-4_000.0, sign=True) == "-0.40万元"


def _notes(block: str) -> dict[str, str]:
    """The assumptions appendix's notes column (unescaped), by parameter name."""
    from html import unescape

    rows = re.findall(r'<tr data-name="([^"]*)"[^>]*>(.*?)</tr>', block)
    return {
        json.loads(unescape(n)): unescape(re.findall(r"<td>(.*?)</td>", r)[-1]) for n, r in rows
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_assumptions_appendix_gives_the_notes_in_the_reports_language(lang) -> None:
    """Under zh the notes column is the library's Chinese note, with nothing English left but
    citations (addresses, standard numbers, [S]); under en it is the English note. Every region
    and rock, so that every entry is shown once (the zh report's notes stood in English, its
    intro saying so)."""
    from types import SimpleNamespace

    from zhcheck import CJK, english_runs

    from sim.i18n import use_lang
    from sim.report.appendix import assumptions

    lib = load_library()
    seen: set[str] = set()
    for region in lib.regions:
        for substrate in lib.substrates:
            d = SimpleNamespace(
                proposal=SimpleNamespace(
                    proposal=SimpleNamespace(region=region),
                    site=SimpleNamespace(substrate=substrate),
                ),
                library=lib,
                overrides={},
            )
            with use_lang(lang):
                block = assumptions(d)
            notes = _notes(block)
            for name, note in notes.items():
                p = lib.param(name)
                if lang == "zh":
                    assert note == p.description_zh and CJK.search(note), name
                    assert english_runs(note) == [], (name, english_runs(note))
                else:
                    assert note == p.description, name
            seen |= set(notes)
    assert seen == set(lib.params)
    intro = block.split("</p>")[0]
    if lang == "zh":
        assert "依据与说明" in intro and "英文" not in intro
    else:
        assert "in English" not in intro


def test_the_opinion_says_what_it_could_not_assess(example) -> None:
    """The opinion is the page a reviewer pastes: a conditional approval with the red line never
    checked said nothing of it there (only in the notes further down). It now names the
    criteria not assessed, why, that the conclusion holds only once they pass, and which of
    them reject; a screened application has no such paragraph."""
    from zhcheck import assert_chinese

    from sim.i18n import use_lang
    from sim.report.opinion import opinion

    html, _page, _record = example
    page = html[html.index('id="opinion"') : html.index('<nav class="toc">')]
    caveat = page.split('id="not-assessed">')[1].split("</p>")[0]
    assert page.index('id="not-assessed"') < page.index("2. Main problems")
    assert "protected_overlap" in caveat and "boundary_area" in caveat
    assert "holds only once they are assessed and pass" in caveat
    assert "protected_overlap, protected_distance: hard criteria" in caveat
    p = sim.load_proposal(EXAMPLE)
    d = analyse(p, draws=30, seed=0, sensitivity_draws=None)
    with use_lang("zh"):
        zh = opinion(d).split('id="not-assessed">')[1].split("</p>")[0]
    assert "本结论方可成立" in zh and "否决项" in zh and "占用生态保护红线" in zh
    assert_chinese(zh)
    spatial = ROOT / "scenarios" / "spatial"
    policy = sim.load_policy(ROOT / "scenarios" / "policies" / "hunan-screening.toml")
    screened = sim.load_proposal(spatial / "hn-2026-0101-lianyuan-ridge.toml")
    d = analyse(screened, policy, draws=30, seed=0, sensitivity_draws=None)
    assert 'id="not-assessed"' not in opinion(d)
    # a rejection does not wait on them: the opinion said "不予通过 … 须待上述指标评估并达标后，
    # 本结论方可成立", which no reviewer can sign (the terminal's notes already left it out)
    rejected = make_proposal({"site.substrate": "acid_sulfide"})
    d = analyse(rejected, draws=30, seed=0, sensitivity_draws=None)
    assert d.verdict["verdict"] == "reject"
    caveat = opinion(d).split('id="not-assessed">')[1].split("</p>")[0]
    assert "the rejection stands whatever they give" in caveat and "holds only" not in caveat
    with use_lang("zh"):
        zh = opinion(d).split('id="not-assessed">')[1].split("</p>")[0]
    assert "本结论方可成立" not in zh and "未评估" in zh
    assert_chinese(zh)


@pytest.mark.slow
def test_a_flatter_wall_remedy_says_what_it_does_to_the_pit(policy) -> None:
    """A wall too steep on the thickness path: under the remedies table, each remedy's pit
    (the walls' wider plan and the pit keeping the floor would need, against the licence), in
    en and zh; the table's cell keeps only the change."""
    from sim.report import build_report

    p = make_proposal({"site.final_highwall_slope_deg": 62.0})
    for lang, words in (("en", "keeping the floor needs a pit of up to"),
                        ("zh", "若要保留采场底盘面积")):  # fmt: skip
        data, html = build_report(p, policy, draws=REVIEW_DRAWS, seed=0, lang=lang,
                                  sensitivity_draws=None)  # fmt: skip
        remedies = [r for r in data.verdict["remedies"] if r["criterion"] == "highwall_slope"]
        assert remedies and all("wall_plan_ha" in r for r in remedies)
        table = html[html.index('class="remedies"') :]
        table = table[: table.index("</table>")]
        assert words not in table
        assert html.count('<p class="caveat">') >= len(remedies) and words in html
