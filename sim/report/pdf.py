"""Print the report's HTML to PDF with a headless Chromium (Debian's ``chromium`` package)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sim.errors import InputError
from sim.i18n import _

#: executable names tried in order; ``RESTORESIM_CHROMIUM`` names one explicitly
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV_VAR = "RESTORESIM_CHROMIUM"
TIMEOUT_S = 180.0

#: a headless browser that loads local pages and talks to no one
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
)
#: only when printing: with a DevTools session attached it makes the renderer crash
PRINT_ONLY_FLAGS = ("--no-pdf-header-footer", "--generate-pdf-document-outline")
#: the creation and modification date written into every PDF, so that the same inputs give the
#: same bytes; ``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) sets another one
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) ?\(D:)\d{14}")


def fixed_date() -> dt.datetime:
    """The date stamped into the PDF: ``$SOURCE_DATE_EPOCH`` or :data:`FIXED_DATE`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return FIXED_DATE


def stamp_date(pdf: bytes, when: dt.datetime | None = None) -> bytes:
    """``pdf`` with its creation and modification dates set to ``when`` (same byte length)."""
    digits = (when or fixed_date()).strftime("%Y%m%d%H%M%S").encode("ascii")
    return _PDF_DATE.sub(lambda m: m.group(1) + digits, pdf)


def find_chromium() -> str | None:
    """Path of a Chromium-family browser: ``$RESTORESIM_CHROMIUM`` or the first on PATH."""
    named = os.environ.get(ENV_VAR)
    if named:
        return shutil.which(named)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def require_chromium() -> str:
    """Path of the browser that prints PDFs; an :class:`InputError` naming what to install."""
    exe = find_chromium()
    if exe is None:
        raise InputError(
            _(
                "--format pdf needs a headless Chromium to print the report and none was found "
                "(looked for {browsers} on PATH and {env}); install it, e.g. "
                "`apt-get install chromium`, or write HTML with --format html",
                browsers=_(", ").join(BROWSERS), env=f"${ENV_VAR}",
            )
        )
    return exe


def _print(exe: str, html: str, tmp: Path, name: str) -> bytes:
    """Print ``html`` with Chromium in folder ``tmp``; the PDF's bytes."""
    page = tmp / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp / f"{name}.pdf"
    cmd = [
        exe,
        *FLAGS,
        *PRINT_ONLY_FLAGS,
        f"--user-data-dir={tmp / 'profile'}",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(
            _("--format pdf: could not run {exe}: {why}", exe=exe, why=exc)
        ) from None
    if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise InputError(
            _(
                "--format pdf: {exe} did not write a PDF (exit {code}): {tail}",
                exe=exe, code=proc.returncode, tail=" | ".join(tail),
            )
        )
    return pdf.read_bytes()


#: a contents entry: ``<a href="#KEY">TITLE</a><span class="page" data-toc="KEY"></span>``
_TOC_ENTRY = re.compile(r'<a href="#([\w-]+)">([^<]+)</a><span class="page" data-toc="\1"></span>')


def section_pages(pdf: Path, titles: dict[str, str]) -> dict[str, int]:
    """The page (from 1) on which each section title stands alone on a line, in order (the
    contents' own lines start with their number, so they do not count).

    Read with poppler's ``pdftotext``; empty when it is not installed.
    """
    exe = shutil.which("pdftotext")
    if exe is None:
        return {}
    text = subprocess.run([exe, str(pdf), "-"], capture_output=True, text=True, check=False)
    pages = [{line.strip() for line in page.splitlines()} for page in text.stdout.split("\f")]
    found: dict[str, int] = {}
    start = 0
    for key, title in titles.items():
        hit = next((i for i in range(start, len(pages)) if title.strip() in pages[i]), None)
        if hit is None:
            continue
        found[key] = hit + 1
        start = hit
    return found


def html_to_pdf(html: str, out: Path) -> None:
    """Write ``html`` as a PDF to ``out`` (A4, the page's print stylesheet, a document outline
    from the headings, a fixed creation date: the same page gives the same bytes).

    A page with a table of contents (entries matching :data:`_TOC_ENTRY`) is printed twice: the
    second time with the page number of each section, read from the first print.

    Raises :class:`InputError` when no browser is found or the browser fails.
    """
    from html import unescape

    exe = require_chromium()
    with tempfile.TemporaryDirectory(prefix="restoresim-pdf-") as tmp:
        data = _print(exe, html, Path(tmp), "report")
        titles = {m.group(1): unescape(m.group(2)) for m in _TOC_ENTRY.finditer(html)}
        if titles:
            pages = section_pages(Path(tmp) / "report.pdf", titles)
            if pages:
                numbered = _TOC_ENTRY.sub(
                    lambda m: m.group(0).replace(
                        "></span>", f">{pages.get(m.group(1), '')}</span>"
                    ),
                    html,
                )
                data = _print(exe, numbered, Path(tmp), "numbered")
        out.write_bytes(stamp_date(data))
