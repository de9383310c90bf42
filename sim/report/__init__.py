"""The reviewer's report: one self-contained HTML page (or its PDF) per application.

::

    from sim.report import build_report, write_report
    data, html = build_report(proposal, policy, draws=1000, seed=0)
    write_report(proposal, "report.html", policy=policy)          # atomic; refuses to overwrite

Modules: :mod:`~sim.report.analysis` (the numbers), :mod:`~sim.report.figures` (matplotlib),
:mod:`~sim.report.html` (the page), :mod:`~sim.report.pdf` (printing with headless Chromium).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.i18n import N_, _, current_lang, resolve_lang, use_lang
from sim.outputs import atomic_write, atomic_write_text, prepare_folder
from sim.report.analysis import (
    ANALYSIS_STEPS,
    SENSITIVITY_DRAWS,
    ReportData,
    analyse,
    inputs_sha256,
)
from sim.report.figures import FIGURES, render_all
from sim.report.html import render

FORMATS = ("html", "pdf")

__all__ = [
    "FORMATS",
    "REPORT_STEPS",
    "ReportData",
    "analyse",
    "build_report",
    "format_for",
    "inputs_sha256",
    "render_html",
    "save",
    "write_report",
]


def render_html(
    data: ReportData, lang: str | None = None, step: Callable[[str], None] | None = None
) -> str:
    """The HTML page of an analysed proposal (figures rendered and embedded).

    ``lang`` (en or zh) defaults to the current language (:func:`sim.i18n.use_lang`);
    ``step(name)`` is called as each figure is drawn (:func:`sim.report.figures.render_all`).
    """
    with use_lang(lang or current_lang()):
        return render(data, render_all(data, step))


#: what the progress bar of a report names as each step is done
_STEP_NAMES = {
    "evaluation": N_("evaluation and conditions"),
    "sensitivity": N_("sensitivity"),
    "bill": N_("applicant's bill"),
    "pdf": N_("printing the PDF"),
}


class _Steps:
    """A progress bar over the steps of one report (stderr, only on a terminal)."""

    def __init__(self, show: bool, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total, desc=_("report"), unit=_("step"), leave=False, file=sys.stderr,
            disable=not show or not sys.stderr.isatty(), dynamic_ncols=True, mininterval=0,
        )  # fmt: skip

    def __call__(self, name: str) -> None:
        self.bar.set_postfix_str(_(_STEP_NAMES[name]) if name in _STEP_NAMES else _("figures"))
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


def build_report(
    proposal: Any,
    policy: Any | None = None,
    *,
    draws: int = 1000,
    seed: int = 0,
    params: Mapping[str, float] | None = None,
    sensitivity_draws: int | None = SENSITIVITY_DRAWS,
    lang: str | None = None,
    step: Callable[[str], None] | None = None,
) -> tuple[ReportData, str]:
    """Analyse one proposal and render its report: ``(data, html)``.

    ``lang`` (en or zh): by default ``$RESTORESIM_LANG``, else the policy's language, else en.
    ``step(name)`` is called after each part (:data:`REPORT_STEPS` in all), for progress.
    """
    data = analyse(
        proposal,
        policy,
        draws=draws,
        seed=seed,
        params=params,
        sensitivity_draws=sensitivity_draws,
        step=step,
    )
    return data, render_html(data, resolve_lang(lang, data.policy), step)


#: the steps :func:`build_report` reports: the analysis's and one per figure
REPORT_STEPS = ANALYSIS_STEPS + len(FIGURES)


def format_for(out: Path, fmt: str | None) -> str:
    """The output format: ``fmt`` if given, else from the suffix of ``out`` (``.pdf`` or html)."""
    if fmt is None:
        return "pdf" if out.suffix.lower() == ".pdf" else "html"
    if fmt not in FORMATS:
        raise InputError(
            _(
                "--format {fmt}: allowed formats are {allowed}",
                fmt=repr(fmt), allowed=_(", ").join(FORMATS),
            )
        )
    return fmt


def save(html: str, out: Path, fmt: str = "html") -> None:
    """Write a rendered report to ``out`` atomically, as HTML or (printed by Chromium) PDF."""
    if fmt == "pdf":
        from sim.report.pdf import html_to_pdf

        atomic_write(out, lambda tmp: html_to_pdf(html, tmp))
    else:
        atomic_write_text(out, html)


def write_report(
    proposal: Any,
    out: str | Path,
    *,
    policy: Any | None = None,
    fmt: str | None = None,
    force: bool = False,
    draws: int = 1000,
    seed: int = 0,
    params: Mapping[str, float] | None = None,
    lang: str | None = None,
    progress: bool = False,
) -> ReportData:
    """Build one proposal's report and write it to ``out``; never overwrites without ``force``.

    ``lang``: en or zh (default: ``$RESTORESIM_LANG``, else the policy's, else en).
    ``progress``: show a progress bar of the steps on stderr, if it is a terminal.
    """
    out = Path(out)
    kind = format_for(out, fmt)
    if out.is_dir():
        raise InputError(
            _("--out {out}: is a directory; give the report's file name", out=out)
        )
    if out.exists() and not force:
        raise InputError(_("--out {out}: already exists; use --force to overwrite", out=out))
    if kind == "pdf":
        from sim.report.pdf import require_chromium

        require_chromium()  # fail before the simulation, not after it
    prepare_folder(out.parent)  # likewise: a folder that cannot be written
    if policy is None:
        from sim.proposal import load_policy

        policy = load_policy()
    with use_lang(resolve_lang(lang, policy)):  # the bar's words
        steps = _Steps(progress, REPORT_STEPS + (kind == "pdf"))
        try:
            data, html = build_report(
                proposal, policy, draws=draws, seed=seed, params=params, lang=lang, step=steps
            )
            save(html, out, kind)
            if kind == "pdf":
                steps("pdf")
        finally:
            steps.close()
    return data
