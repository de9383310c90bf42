"""Print the report's HTML to PDF with a headless Chromium (Debian's ``chromium`` package)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sim.errors import InputError

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
PRINT_ONLY_FLAGS = ("--no-pdf-header-footer",)


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
            "--format pdf needs a headless Chromium to print the report and none was found "
            f"(looked for {', '.join(BROWSERS)} on PATH and ${ENV_VAR}); install it, e.g. "
            "`apt-get install chromium`, or write HTML with --format html"
        )
    return exe


def html_to_pdf(html: str, out: Path) -> None:
    """Write ``html`` as a PDF to ``out`` (A4, the page's print stylesheet).

    Raises :class:`InputError` when no browser is found or the browser fails.
    """
    exe = require_chromium()
    with tempfile.TemporaryDirectory(prefix="restoresim-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(tmp) / "report.pdf"
        cmd = [
            exe,
            *FLAGS,
            *PRINT_ONLY_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InputError(f"--format pdf: could not run {exe}: {exc}") from None
        if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise InputError(
                f"--format pdf: {exe} did not write a PDF (exit {proc.returncode}): "
                + " | ".join(tail)
            )
        shutil.copyfile(pdf, out)
