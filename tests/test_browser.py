"""Every example's report, and the queue's summary, in a real headless Chromium.

Loads each page from its file:// URL and checks that the console stays free of errors, nothing
is fetched from the network (the page is self-contained), every figure has loaded, and nothing
overflows the page's width; takes a screenshot of each (of the whole page for the example, left
at /tmp/restoresim-report.png for a person to look at). Without a browser the test skips
locally (install Debian's ``chromium``) but fails in CI, where ``.ci/run`` installs one.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
from browser import Browser

from sim.report.pdf import find_chromium

pytestmark = pytest.mark.browser

EXAMPLES = sorted((Path(__file__).parents[1] / "scenarios" / "proposals").glob("*.toml"))
N_FIGURES = 9
SCREENSHOT = Path("/tmp/restoresim-report.png")
SUMMARY_SCREENSHOT = Path("/tmp/restoresim-summary.png")
BILL_SCREENSHOT = Path("/tmp/restoresim-report-bill.png")  # HN-2026-0005, with its bill


@pytest.fixture(scope="module")
def browser():
    exe = find_chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs Debian's chromium")
        pytest.skip("no chromium on PATH: `apt-get install chromium` to run the browser test")
    with Browser(exe) as b:
        yield b


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_report_renders_in_the_browser(browser, review_batch, tmp_path) -> None:
    _queue, out, rc = review_batch
    assert rc == 0
    reports = sorted((out / "reports").glob("*.html"))
    assert len(reports) == len(EXAMPLES)
    for report in reports:
        shot = tmp_path / f"{report.stem}.png"
        example = report.stem == "HN-2026-0001"  # the whole page; the others' first screen
        page = browser.load(report.as_uri(), screenshot=shot, full_page=example)
        assert page.errors == [], report.name
        assert page.external_requests == [], report.name
        assert page.title.startswith(report.stem)
        assert len(page.images) == N_FIGURES
        for img in page.images:
            assert img["complete"] and img["width"] > 0 and img["height"] > 0, img
        assert page.scroll_width <= page.client_width, f"{report.name} overflows horizontally"
        width, height = png_size(shot)
        assert width == page.client_width and page.height > 5000
        assert height == (page.height if example else 900)
        if example:
            shutil.copyfile(shot, SCREENSHOT)
    assert SCREENSHOT.is_file()
    # the applicant's bill beside ours: its table (nine columns, long Chinese item names) fits
    page = browser.load(
        (out / "reports" / "HN-2026-0005.html").as_uri(), screenshot=BILL_SCREENSHOT
    )
    assert page.errors == [] and page.scroll_width <= page.client_width


def test_the_queue_summary_renders_in_the_browser(browser, review_batch, tmp_path) -> None:
    _queue, out, _rc = review_batch
    shot = tmp_path / "summary.png"
    page = browser.load((out / "summary.html").as_uri(), screenshot=shot)
    assert page.errors == [] and page.external_requests == []
    assert page.scroll_width <= page.client_width
    shutil.copyfile(shot, SUMMARY_SCREENSHOT)


ZH_SCREENSHOT = Path("/tmp/restoresim-report-zh.png")


def test_chinese_reports_and_summary_render_in_the_browser(browser, tmp_path) -> None:
    """A Chinese batch (a spatial example with its map, and a rejected one): no console error,
    no request, every figure loaded, the sort script runs; the figures' font has CJK glyphs."""
    from matplotlib import font_manager

    from sim.cli import main
    from sim.fonts import font_rc

    root = Path(__file__).parents[1]
    queue = tmp_path / "queue"
    queue.mkdir()
    for p in (root / "scenarios" / "spatial").glob("hn-2026-0101*"):
        shutil.copy(p, queue / p.name)
    shutil.copy(root / "scenarios" / "proposals" / "hn-2026-0005-liuyang-granite.toml", queue)
    policy = root / "scenarios" / "policies" / "hunan-screening.toml"
    out = tmp_path / "out"
    args = ["batch", str(queue), "--out", str(out), "--draws", "60", "--policy", str(policy)]
    assert main(args) == 0  # the Hunan policy defaults to Chinese
    for report, figures in (("HN-2026-0101", N_FIGURES + 1), ("HN-2026-0005", N_FIGURES)):
        shot = tmp_path / f"{report}.png"
        page = browser.load((out / "reports" / f"{report}.html").as_uri(), screenshot=shot)
        assert page.errors == [] and page.external_requests == [], report
        assert "生态修复可行性论证评审报告" in page.title
        assert len(page.images) == figures
        assert all(i["complete"] and i["width"] > 0 for i in page.images), report
        assert page.scroll_width <= page.client_width, report
        if report == "HN-2026-0101":
            shutil.copyfile(shot, ZH_SCREENSHOT)
    page = browser.load((out / "summary.html").as_uri(), screenshot=tmp_path / "summary.png")
    assert page.errors == [] and page.external_requests == []
    family = font_rc("zh")["font.family"][0]
    path = font_manager.findfont(font_manager.FontProperties(family=family))
    assert "CJK" in font_manager.FontProperties(fname=path).get_name(), path
