"""What ``restoresim monitor`` writes: the supervision list (HTML, CSV), JSON and plots."""

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

from sim.monitor import update
from sim.monitor.assess import STATUSES, risk_key

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
    "site": "restored land",
    "land": "restored floor, dumps and sites",
    "wall": "greened walls",
    "forest": "forest",
    "grassland": "grassland",
    "shrub": "shrub",
    "farmland": "farmland",
}
STATUS_COLOURS = {
    "behind": "#b2182b",
    "watch": "#e08214",
    "no_data": "#777777",
    "on_track": "#1b7837",
}


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
        "action": record["action"],
        "next_inspection": record["next_inspection"],
        "reasons": "; ".join(record["reasons"]),
    }


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: no formula (leading = + - @), no control bytes."""
    text = "".join(ch for ch in str(value) if ch in "\t" or ch >= " ")
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        text = "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def supervision_csv(records: Sequence[dict[str, Any]]) -> str:
    """The supervision list as CSV text (written with a BOM so Excel reads it as UTF-8)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for i, r in enumerate(sorted_records(records), start=1):
        v = row_values(i, r)
        w.writerow([csv_cell(v[c]) for c in COLUMNS])
    return buf.getvalue()


def plot(record: dict[str, Any], proj: update.Projection, w: np.ndarray | None = None) -> Any:
    """Observed cover on the projected fan, one panel per kind of restored land observed.

    The approval projection's P10–P90 band and P50 by calendar year, the posterior P50 when
    ``w`` (posterior weights) is given, and the observations (filled: used; open: before any
    land was restored).
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from sim.report.figures import STYLE

    start = dt.date.fromisoformat(record["start_date"])
    kinds = list(dict.fromkeys(o["kind"] for o in record["observations"])) or ["site"]
    kinds = kinds[:3]
    years = start.year + np.arange(proj.n_years)
    low_p = record["low_percentile"]
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(7.5, 2.9 * len(kinds)), layout="constrained")
        axes = fig.subplots(len(kinds), 1, squeeze=False)[:, 0]
        for ax, kind in zip(axes, kinds, strict=True):
            q = update.fan(proj, kind, (0.1, 0.5, 0.9))
            ax.fill_between(
                years,
                q[0],
                q[2],
                color="#4d9221",
                alpha=0.2,
                lw=0,
                label="projected at approval, P10–P90",
            )
            ax.plot(years, q[1], color="#4d9221", lw=1.6, label="projected at approval, P50")
            if w is not None:
                ax.plot(
                    years,
                    update.posterior_fan(proj, w, kind, 0.5),
                    color="#2166ac",
                    lw=1.4,
                    ls="--",
                    label="updated by the observations, P50",
                )
            obs = [o for o in record["observations"] if o["kind"] == kind]
            groups = (
                (
                    "observed, within the fan",
                    lambda o: o.get("used") and o["percentile"] >= low_p,
                    "#1b7837",
                    True,
                ),
                (
                    f"observed, below P{low_p:g}",
                    lambda o: o.get("used") and o["percentile"] < low_p,
                    "#b2182b",
                    True,
                ),
                (
                    "observed before any land was restored",
                    lambda o: not o.get("used"),
                    "#777777",
                    False,
                ),
            )
            for label, keep, colour, filled in groups:
                pts = [o for o in obs if keep(o)]
                if pts:
                    ax.plot(
                        [_year_float(o["date"]) for o in pts],
                        [o["cover"] for o in pts],
                        "o",
                        ms=5,
                        mfc=colour if filled else "none",
                        mec=colour,
                        ls="none",
                        label=label,
                    )
            ax.set_ylim(0, 1)
            ax.set_ylabel("Vegetation cover (FVC)")
            ax.set_title(
                f"{record['proposal_id']}: cover of {KIND_LABELS[kind]} "
                f"— {record['status'].replace('_', ' ')}"
            )
            ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(loc="upper left", ncols=2)
        axes[-1].set_xlabel("Year (year 0 contains the start date)")
    return fig


def _year_float(date: str) -> float:
    """A date as a year number, mid-year on the integer (the projection's yearly points)."""
    d = dt.date.fromisoformat(date)
    return d.year + (d.timetuple().tm_yday - 0.5) / 366 - 0.5


def _html_table(records: Sequence[dict[str, Any]]) -> str:
    head = [
        "#",
        "Mine",
        "Status",
        "Latest observation",
        "Percentile",
        "Success before → after",
        "Fund shortfall (mean)",
        "Action",
        "Next inspection",
    ]
    body = []
    for i, r in enumerate(sorted_records(records), start=1):
        v = row_values(i, r)
        colour = STATUS_COLOURS[r["status"]]
        pct = f"P{v['latest_percentile']:.0f}" if v["latest_percentile"] != "" else "–"
        cells = [
            str(i),
            f'<a href="#{escape(r["proposal_id"])}">{escape(r["proposal_id"])}</a>'
            f"<br><small>{escape(r['name'])}</small>",
            f'<span class="status" style="color:{colour}">'
            f"{escape(r['status'].replace('_', ' '))}</span>",
            escape(v["latest_observation"] or "–"),
            pct,
            f"{r['success_probability_before']:.0%} → {r['success_probability_after']:.0%}",
            f"{r['fund_shortfall_mean_cny'] / 1e6:,.2f} M CNY",
            escape(r["action"]),
            escape(r["next_inspection"]),
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
    from sim.report.markup import figure

    css = resources.files("sim.report").joinpath("report.css").read_text("utf-8")
    counts = {s: sum(r["status"] == s for r in records) for s in STATUSES}
    summary = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n)
    sections = []
    for r in sorted_records(records):
        pid = r["proposal_id"]
        reasons = "".join(f"<li>{escape(x)}</li>" for x in r["reasons"])
        sections.append(
            f'<section id="{escape(pid)}"><h2>{escape(pid)} {escape(r["name"])}</h2>'
            f"<ul>{reasons}</ul>"
            + figure(
                figures,
                pid,
                f"observed and projected cover of {pid}",
                "Observed cover against the approval projection (band P10–P90, solid "
                "P50) and the projection updated by the observations (dashed P50).",
            )
            + "</section>"
        )
    data = (
        json.dumps(records, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Supervision list — restoration of approved mines</title>
<style>{css}
table.supervision td {{ vertical-align: top; }} .status {{ font-weight: bold; }}</style>
</head><body><main>
<header><h1>Supervision list: restoration of approved mines</h1>
<p>{len(records)} mines as of {escape(run["as_of"])}: {escape(summary)}. Sorted by status
(behind, watch, no data, on track), then by the probability of failing the success criterion
after the observations, then by the expected fund shortfall. Percentiles place each observed
cover on the cover projected at approval for its year.</p></header>
{_html_table(records)}
{"".join(sections)}
<p class="repro">seed {run["seed"]}, {run["draws"]} draws, restoresim {escape(run["version"])}</p>
<script type="application/json" id="monitor-data">{data}</script>
</main></body></html>
"""


def text(records: Sequence[dict[str, Any]]) -> str:
    """The supervision list for the terminal."""
    lines = []
    for i, r in enumerate(sorted_records(records), start=1):
        latest = _latest(r)
        seen = (
            f"{latest['date']} cover {latest['cover']:.2f} (P{latest['percentile']:.0f})"
            if latest
            else "no observation of restored land"
        )
        lines.append(
            f"{i:>3}. {r['proposal_id']}  {r['status'].upper():<9} {seen}; success "
            f"{r['success_probability_before']:.0%} -> {r['success_probability_after']:.0%}; "
            f"next inspection {r['next_inspection']}"
        )
        lines += [f"       - {x}" for x in r["reasons"]]
        lines.append(f"       action: {r['action']}")
    return "\n".join(lines)


def refuse_overwrite(out: Path, names: Sequence[str]) -> None:
    """An :class:`InputError` if any of ``names`` exists in ``out`` (no overwrite without
    --force)."""
    from sim.errors import InputError

    existing = [n for n in names if (out / n).exists()]
    if existing:
        raise InputError(
            f"--out {out}: {', '.join(existing)} already exist; use --force to overwrite"
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
