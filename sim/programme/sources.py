"""Sites from an inventory CSV or from a portfolio of approved proposals (via the engine).

Inventory: a UTF-8 CSV with a header row and columns ``id`` (unique), ``area_ha`` (> 0) and,
optionally, ``priority`` (added to the priority score; higher first) and ``release_date``
(ISO date the site enters the programme; default the start).

Portfolio: each ``[[sites.portfolio]]`` entry names an approved proposal and the year its right
is granted (the engine's year 0). The engine (:func:`sim.evaluate`, ``trajectories=True``) gives
the mean area restored in each year of the proposal's life, progressive and final; each year's
restoration becomes a work package that enters the programme on 1 January of that year, so an
analyst can see what restoring a decade of approvals demands of the region's crews and
inspectors.
"""

from __future__ import annotations

import csv
import datetime
import io
import math

import numpy as np

from sim.errors import InputError, allowed_list
from sim.i18n import _
from sim.programme.model import SiteTable
from sim.programme.scenario import Scenario
from sim.safeio import MAX_CSV_BYTES, read_limited

INVENTORY_COLUMNS = ("id", "area_ha", "priority", "release_date")
MIN_PACKAGE_HA = 0.01
"""Yearly restored areas below this [ha] are not made into work packages."""


def _number(text: str, where: str, *, positive: bool) -> tuple[float, str | None]:
    try:
        v = float(text)
    except ValueError:
        return math.nan, _("{where} = {text}: expected a number", where=where, text=repr(text))
    if not math.isfinite(v) or (positive and v <= 0):
        message = (
            _("{where} = {text}: must be a finite number > 0", where=where, text=repr(text))
            if positive
            else _("{where} = {text}: must be a finite number", where=where, text=repr(text))
        )
        return math.nan, message
    return v, None


def inventory_sites(scenario: Scenario) -> SiteTable:
    """Read and validate the inventory CSV named in ``[sites] inventory``."""
    assert scenario.sites.inventory is not None
    path = scenario.resolve_path(scenario.sites.inventory)
    shown = str(path)
    raw = read_limited(path, f"{shown}: the inventory", MAX_CSV_BYTES)
    try:
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            _("{shown}: cannot read the inventory ({why})", shown=shown, why=exc)
        ) from None
    if not rows:
        raise InputError(
            _("{shown}: the inventory has no rows (columns id, area_ha needed)", shown=shown)
        )
    columns = list(rows[0])
    problems = [
        _(
            "{shown}: unknown column {column}; allowed columns: {allowed}",
            shown=shown, column=repr(c), allowed=allowed_list(INVENTORY_COLUMNS),
        )
        for c in columns
        if c not in INVENTORY_COLUMNS
    ]
    problems += [
        _("{shown}: column {column} is missing (required)", shown=shown, column=repr(c))
        for c in ("id", "area_ha")
        if c not in columns
    ]
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    ids, area, prio, release = [], [], [], []
    seen: set[str] = set()
    for k, row in enumerate(rows, start=2):
        where = _("{shown}: row {row}", shown=shown, row=k)
        sid = (row.get("id") or "").strip()
        if not sid or sid in seen:
            problems.append(
                _("{where}: id = {id}: must be non-empty and unique", where=where, id=repr(sid))
            )
        seen.add(sid)
        a, err = _number(row.get("area_ha") or "", f"{where}: area_ha", positive=True)
        p, err2 = (0.0, None)
        if row.get("priority"):
            p, err2 = _number(row["priority"], f"{where}: priority", positive=False)
        r = 0.0
        if row.get("release_date"):
            try:
                r = scenario.day(datetime.date.fromisoformat(row["release_date"].strip()))
            except ValueError:
                problems.append(
                    _(
                        "{where}: release_date = {date}: expected a date such as 2020-01-15",
                        where=where, date=repr(row["release_date"]),
                    )
                )
        problems += [e for e in (err, err2) if e]
        ids.append(sid)
        area.append(a)
        prio.append(p)
        release.append(max(0.0, r))
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    area_ha = np.array(area)
    return SiteTable(
        ids=tuple(ids),
        area_ha=area_ha,
        total_area_ha=float(area_ha.sum()),
        priority=np.array(prio),
        release_day=np.array(release),
    )


def portfolio_sites(scenario: Scenario, *, seed: int = 0) -> SiteTable:
    """Work packages of a portfolio of approved proposals, from the engine's trajectories."""
    from sim.api import evaluate
    from sim.proposal import load_proposals

    entries = scenario.sites.portfolio or []
    proposals = load_proposals([scenario.resolve_path(e.proposal) for e in entries])
    ev = evaluate(
        proposals,
        draws=scenario.sites.portfolio_draws,
        seed=seed,
        trajectories=True,
        conditions=False,
    )
    assert ev.trajectories is not None
    restored = ev.trajectories["restored_by_class_ha"].sum("area_class")  # (proposal, year)
    ids, area, release = [], [], []
    for i, entry in enumerate(entries):
        cum = restored.isel(proposal=i).values
        cum = cum[np.isfinite(cum)]  # years past this proposal's horizon are NaN
        yearly = np.diff(cum, prepend=0.0)
        pid = proposals[i].id
        for year, ha in enumerate(yearly):
            if ha < MIN_PACKAGE_HA:
                continue
            enters = datetime.date(entry.approval_year + year, 1, 1)
            ids.append(f"{pid}/y{year}")
            area.append(float(ha))
            release.append(max(0.0, scenario.day(enters)))
    if not ids:
        raise InputError(
            _("[sites] portfolio: the proposals restore no area (nothing to simulate)")
        )
    area_ha = np.array(area)
    return SiteTable(
        ids=tuple(ids),
        area_ha=area_ha,
        total_area_ha=float(area_ha.sum()),
        release_day=np.array(release),
    )


def monitoring_priority(scenario: Scenario, site_ids: tuple[str, ...]) -> np.ndarray:
    """Priority added to each site by its mine's supervision status (``[monitoring]``)."""
    import json

    mon = scenario.monitoring
    assert mon is not None
    path = scenario.resolve_path(mon.file)
    where = f"[monitoring] file = {mon.file!r}"
    try:
        records = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            _("{where}: cannot read {path} ({why})", where=where, path=path, why=exc)
        ) from None
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and "proposal_id" in r and "status" in r for r in records
    ):
        raise InputError(
            _(
                "{where}: expected the monitor.json of `restoresim monitor --out` (records with "
                "proposal_id and status)",
                where=where,
            )
        )
    boost = {"behind": mon.behind_priority, "watch": mon.watch_priority}
    status = {str(r["proposal_id"]): str(r["status"]) for r in records}
    unknown = sorted({v for v in status.values()} - {"behind", "watch", "on_track", "no_data"})
    if unknown:
        raise InputError(
            _("{where}: unknown status {status}", where=where, status=allowed_list(unknown))
        )
    out = np.array([boost.get(status.get(sid.split("/")[0], ""), 0.0) for sid in site_ids])
    if not any(sid.split("/")[0] in status for sid in site_ids):
        raise InputError(
            _(
                "{where}: none of its {n} mines is a site of the programme (sites match by id, "
                "or by the proposal id of a portfolio work package)",
                where=where, n=len(status),
            )
        )
    return out
