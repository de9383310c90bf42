"""Observed vegetation cover of approved mines: the table of ``proposal_id, date, cover``.

One row per observation (../shared/design/inputs.md): ``cover`` is the fractional vegetation
cover (0–1) of a mine's restored land on ``date``, of one area class or land use when those
columns are given. CSV in UTF-8 (with or without a BOM) or GB18030, as Chinese Excel saves it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError, allowed_list, did_you_mean
from sim.keys import AREA_CLASSES, LAND_USES
from sim.textfiles import decode

REQUIRED = ("proposal_id", "date", "cover")
OPTIONAL = ("area_class", "land_use", "restored_area_ha", "source")
#: land uses whose cover is observed (water has none)
COVER_LAND_USES = tuple(lu for lu in LAND_USES if lu != "water")
#: the largest observation table read (bytes); a supervision table is thousands of rows
MAX_TABLE_BYTES = 50_000_000


@dataclass(frozen=True)
class Observation:
    """One observed cover of one mine's restored land (of an area class or land use if given)."""

    proposal_id: str
    date: dt.date
    cover: float
    area_class: str | None = None
    land_use: str | None = None
    restored_area_ha: float | None = None
    source: str = ""


def read_csv_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file (UTF-8 or GB18030), with surrounding spaces stripped."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file (expected a CSV table)")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise InputError(f"{path}: larger than {MAX_TABLE_BYTES // 1_000_000} MB; split the table")
    text, _encoding = decode(path.read_bytes(), str(path), "table")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: empty file (expected a header row)") from None
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise InputError(
                f"{path}, row {reader.line_num}: {len(values)} values for {len(header)} columns"
            )
        values = [*values, *[""] * (len(header) - len(values))]
        rows.append({h: v.strip() for h, v in zip(header, values, strict=True)})
    return header, rows


def parse_date(path: Path, row: int, column: str, text: str) -> dt.date:
    """An ISO date (``2029-08-15``) or ``2029/8/15``; a clear error otherwise."""
    t = text.strip().replace("/", "-")
    try:
        y, m, d = (int(x) for x in t.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        raise InputError(
            f"{path}, row {row}: {column} = {text!r}: expected a date as YYYY-MM-DD"
        ) from None


def _number(path: Path, row: int, column: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}, row {row}: {column} = {text!r}: expected a number") from None
    if not (math.isfinite(value) and low <= value <= high):
        hint = ""
        if column == "cover" and 1 < value <= 100:
            hint = f"; a percentage? write {value / 100:g}"
        raise InputError(
            f"{path}, row {row}: {column} = {text!r}: "
            f"expected a number in [{low:g}, {high:g}]{hint}"
        )
    return value


def _choice(path: Path, row: int, column: str, text: str, allowed: Sequence[str]) -> str | None:
    if not text:
        return None
    if text not in allowed:
        raise InputError(
            f"{path}, row {row}: {column} = {text!r}: expected one of {allowed_list(allowed)}"
            f"{did_you_mean(text, allowed)}"
        )
    return text


def check_columns(
    path: Path, header: Iterable[str], required: Sequence[str], optional: Sequence[str]
) -> None:
    """Refuse a table missing a required column or with an unknown one."""
    header = list(header)
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {allowed_list(missing)}; the columns are "
            f"{allowed_list(required)} and optionally {allowed_list(optional)}"
        )
    for c in header:
        if c not in (*required, *optional):
            raise InputError(
                f"{path}: unknown column {c!r}; allowed: {allowed_list((*required, *optional))}"
                f"{did_you_mean(c, (*required, *optional))}"
            )


def read_observations(path: str | Path) -> list[Observation]:
    """Read and check an observation table; rows in file order."""
    path = Path(path)
    header, rows = read_csv_rows(path)
    check_columns(path, header, REQUIRED, OPTIONAL)
    out = []
    for i, r in enumerate(rows, start=2):
        pid = r["proposal_id"]
        if not pid:
            raise InputError(f"{path}, row {i}: proposal_id is empty")
        area_class = _choice(path, i, "area_class", r.get("area_class", ""), AREA_CLASSES)
        land_use = _choice(path, i, "land_use", r.get("land_use", ""), COVER_LAND_USES)
        if area_class == "pit_wall" and land_use:
            raise InputError(
                f"{path}, row {i}: land_use = {land_use!r} with area_class = 'pit_wall': "
                "walls are greened in place and have no land use; leave land_use empty"
            )
        area = r.get("restored_area_ha", "")
        out.append(
            Observation(
                proposal_id=pid,
                date=parse_date(path, i, "date", r["date"]),
                cover=_number(path, i, "cover", r["cover"], 0.0, 1.0),
                area_class=area_class,
                land_use=land_use,
                restored_area_ha=_number(path, i, "restored_area_ha", area, 0.0, 1e5)
                if area
                else None,
                source=r.get("source", ""),
            )
        )
    return out
