"""What ``restoresim monitor`` writes: the supervision list (HTML, CSV), JSON and plots.

The record's values (``monitor.json``), the numeric columns of ``supervision.csv`` and the
outputs the table and plots name are registered in ``sim/outputs_registry.py`` (``MONITOR``,
``MONITOR_OBSERVATION``): heads and axis labels take their label and unit from there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sim import outputs_registry as registry
from sim.i18n import N_, NP_, _, current_lang, gettext, pgettext
from sim.i18n.message import localise
from sim.i18n.units import date as date_text
from sim.i18n.units import money
from sim.monitor import update
from sim.monitor.assess import STATUSES, percentile_text, risk_key
from sim.safeio import spreadsheet_safe

MONITOR_JSON = "monitor.json"
SUPERVISION_CSV = "supervision.csv"
SUPERVISION_HTML = "supervision.html"
PLOTS = "plots"
#: columns of supervision.csv, in order
COLUMNS = (
    "rank",
    "proposal_id",
    "name",
    "status",
    "latest_observation",
    "latest_percentile",
    "success_probability_before",
    "success_probability_after",
    "fund_shortfall_mean_cny",
    "action",
    "next_inspection",
    "reasons",
)
KIND_LABELS = {
    "site": N_("restored land"),
    "land": N_("restored floor, dumps and sites"),
    "wall": N_("greened walls"),
    "forest": N_("forest"),
    "grassland": N_("grassland"),
    "shrub": N_("shrub"),
    "farmland": N_("farmland"),
}
STATUS_WORDS = {
    "behind": NP_("monitor status", "behind"),
    "watch": NP_("monitor status", "watch"),
    "no_data": NP_("monitor status", "no data"),
    "on_track": NP_("monitor status", "on track"),
}
STATUS_COLOURS = {
    "behind": "#b2182b",
    "watch": "#e08214",
    "no_data": "#777777",
    "on_track": "#1b7837",
}


def status_word(status: str) -> str:
    """A status for people: ``behind``, ``on track`` … or 落后于预期, 符合预期 …"""
    return pgettext("monitor status", STATUS_WORDS[status])


def sorted_records(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records from the most to the least urgent (status, failure probability, shortfall)."""
    return sorted(records, key=risk_key)


def _latest(record: dict[str, Any]) -> dict[str, Any] | None:
    used = [o for o in record["observations"] if o.get("used")]
    return used[-1] if used else None


def row_values(rank: int, record: dict[str, Any]) -> dict[str, Any]:
    """One row of the supervision list (CSV values; the HTML formats them)."""
    latest = _latest(record)
    return {
        "rank": rank,
        "proposal_id": record["proposal_id"],
        "name": record["name"],
        "status": record["status"],
        "latest_observation": latest["date"] if latest else "",
        "latest_percentile": latest["percentile"] if latest else "",
        "success_probability_before": round(record["success_probability_before"], 4),
        "success_probability_after": round(record["success_probability_after"], 4),
        "fund_shortfall_mean_cny": round(record["fund_shortfall_mean_cny"]),
        "action": localise(record["action"]),
        "next_inspection": record["next_inspection"],
        "reasons": "; ".join(localise(x) for x in record["reasons"]),
    }


def supervision_csv(records: Sequence[dict[str, Any]]) -> str:
    """The supervision list as CSV text (written with a BOM so Excel reads it as UTF-8)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for i, r in enumerate(sorted_records(records), start=1):
        v = row_values(i, r)
        w.writerow([spreadsheet_safe(v[c]) for c in COLUMNS])
    return buf.getvalue()


def plot(record: dict[str, Any], proj: update.Projection, w: np.ndarray | None = None) -> Any:
    """Observed cover on the projected fan, one panel per kind of restored land observed.

    The approval projection's P10–P90 band and P50 by calendar year, the posterior P50 when
    ``w`` (posterior weights) is given, and the observations (green: within the fan; red: below
    the low percentile; purple: above 100 minus it; open: before any land was restored), the
    legend below the panels so that it covers no point. Text in the current language.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from sim.fonts import font_rc
    from sim.report.figures import STYLE

    start = dt.date.fromisoformat(record["start_date"])
    kinds = list(dict.fromkeys(o["kind"] for o in record["observations"])) or ["site"]
    kinds = kinds[:3]
    years = start.year + np.arange(proj.n_years)
    low_p = record["low_percentile"]
    high_p = 100.0 - low_p
    groups = (
        (_("observed, within the fan"),
         lambda o: o.get("used") and low_p <= o["percentile"] <= high_p, "#1b7837", True),
        (_("observed, above P{high:g}", high=high_p),
         lambda o: o.get("used") and o["percentile"] > high_p, "#762a83", True),
        (_("observed, below P{low:g}", low=low_p),
         lambda o: o.get("used") and o["percentile"] < low_p, "#b2182b", True),
        (_("observed before any land was restored"), lambda o: not o.get("used"), "#777777",
         False),
    )  # fmt: skip
    with mpl.rc_context({**STYLE, **font_rc(current_lang())}):
        fig = Figure(figsize=(7.5, 2.9 * len(kinds)), layout="constrained")
        axes = fig.subplots(len(kinds), 1, squeeze=False)[:, 0]
        for ax, kind in zip(axes, kinds, strict=True):
            q = update.fan(proj, kind, (0.1, 0.5, 0.9))
            ax.fill_between(years, q[0], q[2], color="#4d9221", alpha=0.2, lw=0,
                            label=_("projected at approval, P10–P90"))  # fmt: skip
            ax.plot(years, q[1], color="#4d9221", lw=1.6, label=_("projected at approval, P50"))
            if w is not None:
                ax.plot(years, update.posterior_fan(proj, w, kind, 0.5), color="#2166ac",
                        lw=1.4, ls="--", label=_("updated by the observations, P50"))  # fmt: skip
            obs = [o for o in record["observations"] if o["kind"] == kind]
            for label, keep, colour, filled in groups:
                pts = [o for o in obs if keep(o)]
                if pts:
                    ax.plot([_year_float(o["date"]) for o in pts], [o["cover"] for o in pts],
                            "o", ms=5, mfc=colour if filled else "none", mec=colour, ls="none",
                            label=label)  # fmt: skip
            ax.set_ylim(0, 1)
            ax.set_ylabel(registry.lookup("monitor_observation", "cover").heading())
            ax.set_title(
                _(
                    "{id}: cover of {kind} — {status}",
                    id=record["proposal_id"],
                    kind=gettext(KIND_LABELS[kind]),
                    status=status_word(record["status"]),
                )
            )
            ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            below = -0.3 if ax is axes[-1] else -0.12  # under the x-axis label of the last
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, below), ncols=3, fontsize=7.5)
        axes[-1].set_xlabel(_("Year (year 0 contains the start date)"))
    return fig


def _year_float(date: str) -> float:
    """A date as a year number, mid-year on the integer (the projection's yearly points)."""
    d = dt.date.fromisoformat(date)
    return d.year + (d.timetuple().tm_yday - 0.5) / 366 - 0.5


def _date(iso: str) -> str:
    return date_text(dt.date.fromisoformat(iso)) if iso else "–"


def _html_table(records: Sequence[dict[str, Any]]) -> str:
    head = [
        "#",
        _("Mine"),
        _("Status"),
        _("Latest observation"),
        registry.lookup("monitor", "latest_percentile").heading(unit=""),
        registry.lookup("monitor", "success_probability_after").heading(_("before → after")),
        registry.lookup("monitor", "fund_shortfall_mean_cny").heading(_("mean"), unit=""),
        _("Action"),
        _("Next inspection"),
    ]
    body = []
    for i, r in enumerate(sorted_records(records), start=1):
        v = row_values(i, r)
        colour = STATUS_COLOURS[r["status"]]
        pct = percentile_text(v["latest_percentile"]) if v["latest_percentile"] != "" else "–"
        pid = escape(r["proposal_id"])
        cells = [
            str(i),
            f'<a href="#{pid}">{pid}</a><br><small>{escape(r["name"])}</small>',
            f'<span class="status" style="color:{colour}">'
            f"{escape(status_word(r['status']))}</span>",
            escape(_date(v["latest_observation"])),
            escape(pct),  # '<P1' is text, not a tag
            f"{r['success_probability_before']:.1%} → {r['success_probability_after']:.1%}",
            escape(money(r["fund_shortfall_mean_cny"])),
            escape(v["action"]),
            escape(_date(r["next_inspection"])),
        ]
        body.append(
            f'<tr data-status="{escape(r["status"])}">'
            + "".join(f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    ths = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f'<table class="supervision"><thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def supervision_html(
    records: Sequence[dict[str, Any]], figures: dict[str, bytes], run: dict[str, Any]
) -> str:
    """The supervision list as one self-contained page: the table, then each mine's plot."""
    from sim.report.html import script_json
    from sim.report.markup import figure

    css = resources.files("sim.report").joinpath("report.css").read_text("utf-8")
    counts = {s: sum(r["status"] == s for r in records) for s in STATUSES}
    sep = "，" if current_lang() == "zh" else ", "
    summary = sep.join(f"{n} {status_word(s)}" for s, n in counts.items() if n)
    sections = []
    for r in sorted_records(records):
        pid = r["proposal_id"]
        reasons = "".join(f"<li>{escape(localise(x))}</li>" for x in r["reasons"])
        sections.append(
            f'<section id="{escape(pid)}"><h2>{escape(pid)} {escape(r["name"])}</h2>'
            f"<ul>{reasons}</ul>"
            + figure(
                figures,
                pid,
                _("observed and projected cover of {id}", id=pid),
                escape(
                    _(
                        "Observed cover against the approval projection (band P10–P90, solid "
                        "P50) and the projection updated by the observations (dashed P50)."
                    )
                ),
            )
            + "</section>"
        )
    title = _("Supervision list: restoration of approved mines")
    intro = _(
        "{n} mines as of {date}: {summary}. Sorted by status (behind, watch, no data, on "
        "track), then by the probability of failing the success criterion after the "
        "observations, then by the expected fund shortfall. Percentiles place each observed "
        "cover on the cover projected at approval for its year.",
        n=len(records),
        date=_date(run["as_of"]),
        summary=summary,
    )
    repro = _(
        "seed {seed}, {draws} draws, restoresim {version}",
        seed=run["seed"],
        draws=run["draws"],
        version=run["version"],
    )
    lang = "zh-CN" if current_lang() == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(title)}</title>
<style>{css}
table.supervision td {{ vertical-align: top; }}
.status {{ font-weight: bold; white-space: nowrap; }}</style>
</head><body><main>
<header><h1>{escape(title)}</h1>
<p>{escape(intro)}</p></header>
{_html_table(records)}
{"".join(sections)}
<p class="repro">{escape(repro)}</p>
<script type="application/json" id="monitor-data">{script_json(list(records))}</script>
</main></body></html>
"""


def text(records: Sequence[dict[str, Any]]) -> str:
    """The supervision list for the terminal, in the current language."""
    lines = []
    for i, r in enumerate(sorted_records(records), start=1):
        latest = _latest(r)
        seen = (
            _(
                "{date} cover {cover:.2f} ({pct})",
                date=_date(latest["date"]),
                cover=latest["cover"],
                pct=percentile_text(latest["percentile"]),
            )
            if latest
            else _("no observation of restored land")
        )
        colon, semi = ("：", "；") if current_lang() == "zh" else (": ", "; ")
        lines.append(
            f"{i:>3}. {r['proposal_id']}  {status_word(r['status'])}{colon}{seen}{semi}"
            + _(
                "success {before:.1%} -> {after:.1%}; next inspection {date}",
                before=r["success_probability_before"],
                after=r["success_probability_after"],
                date=_date(r["next_inspection"]),
            )
        )
        lines += [f"       - {localise(x)}" for x in r["reasons"]]
        lines.append("       " + _("action: {action}", action=localise(r["action"])))
    return "\n".join(lines)


def refuse_overwrite(out: Path, names: Sequence[str]) -> None:
    """An :class:`InputError` if any of ``names`` exists in ``out`` (no overwrite without
    --force)."""
    from sim.errors import InputError

    existing = [n for n in names if (out / n).exists()]
    if existing:
        raise InputError(
            _(
                "--out {out}: {names} already exist; use --force to overwrite",
                out=out, names=_(", ").join(existing),
            )
        )


def write(
    out: Path,
    records: Sequence[dict[str, Any]],
    figures: dict[str, bytes],
    run: dict[str, Any],
    force: bool,
) -> list[Path]:
    """Write monitor.json, supervision.csv/.html and plots/ID.png into ``out``, each atomically;
    existing files are kept unless ``force``."""
    from sim.outputs import atomic_write, atomic_write_text

    names = [MONITOR_JSON, SUPERVISION_CSV, SUPERVISION_HTML]
    names += [f"{PLOTS}/{pid}.png" for pid in figures]
    if not force:
        refuse_overwrite(out, names)
    targets = [out / n for n in names]
    (out / PLOTS).mkdir(parents=True, exist_ok=True)
    payload = [{**r, **run} for r in sorted_records(records)]
    atomic_write_text(out / MONITOR_JSON, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    atomic_write(
        out / SUPERVISION_CSV,
        lambda tmp: tmp.write_text(supervision_csv(records), encoding="utf-8-sig"),
    )
    atomic_write_text(out / SUPERVISION_HTML, supervision_html(records, figures, run))
    for pid, png in figures.items():
        atomic_write(out / PLOTS / f"{pid}.png", lambda tmp, png=png: tmp.write_bytes(png))
    return targets
