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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError, allowed_list, did_you_mean
from sim.i18n import N_, _
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
        raise InputError(_("{path}: no such file (expected a CSV table)", path=path))
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise InputError(
            _(
                "{path}: larger than {mb} MB; split the table",
                path=path, mb=MAX_TABLE_BYTES // 1_000_000,
            )
        )
    text, _encoding = decode(path.read_bytes(), str(path), N_("table"))
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(_("{path}: empty file (expected a header row)", path=path)) from None
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise InputError(
                _(
                    "{path}, row {row}: {n} values for {columns} columns",
                    path=path, row=reader.line_num, n=len(values), columns=len(header),
                )
            )
        values = [*values, *[""] * (len(header) - len(values))]
        rows.append({h: v.strip() for h, v in zip(header, values, strict=True)})
    return header, rows


def parse_date(path: Path, row: int, column: str, text: str) -> dt.date:
    """An ISO date (``2029-08-15``), ``2029/8/15`` or ``2029年8月15日``; a clear error
    otherwise."""
    t = text.strip().replace("/", "-")
    chinese = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", t)
    if chinese:
        t = "-".join(chinese.groups())
    try:
        y, m, d = (int(x) for x in t.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        raise InputError(
            _(
                "{path}, row {row}: {column} = {text}: expected a date as YYYY-MM-DD",
                path=path, row=row, column=column, text=repr(text),
            )
        ) from None


def _number(path: Path, row: int, column: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            _(
                "{path}, row {row}: {column} = {text}: expected a number",
                path=path, row=row, column=column, text=repr(text),
            )
        ) from None
    if not (math.isfinite(value) and low <= value <= high):
        hint = ""
        if column == "cover" and 1 < value <= 100:
            hint = _("; a percentage? write {value:g}", value=value / 100)
        raise InputError(
            _(
                "{path}, row {row}: {column} = {text}: expected a number in [{low:g}, {high:g}]",
                path=path, row=row, column=column, text=repr(text), low=low, high=high,
            )
            + hint
        )
    return value


def _choice(path: Path, row: int, column: str, text: str, allowed: Sequence[str]) -> str | None:
    if not text:
        return None
    if text not in allowed:
        raise InputError(
            _(
                "{path}, row {row}: {column} = {text}: expected one of {allowed}",
                path=path, row=row, column=column, text=repr(text), allowed=allowed_list(allowed),
            )
            + did_you_mean(text, allowed)
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
            _(
                "{path}: missing column(s) {missing}; the columns are {required} and optionally "
                "{optional}",
                path=path, missing=allowed_list(missing), required=allowed_list(required),
                optional=allowed_list(optional),
            )
        )
    for c in header:
        if c not in (*required, *optional):
            raise InputError(
                _(
                    "{path}: unknown column {column}; allowed: {allowed}",
                    path=path, column=repr(c), allowed=allowed_list((*required, *optional)),
                )
                + did_you_mean(c, (*required, *optional))
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
            raise InputError(_("{path}, row {row}: proposal_id is empty", path=path, row=i))
        area_class = _choice(path, i, "area_class", r.get("area_class", ""), AREA_CLASSES)
        land_use = _choice(path, i, "land_use", r.get("land_use", ""), COVER_LAND_USES)
        if area_class == "pit_wall" and land_use:
            raise InputError(
                _(
                    "{path}, row {row}: land_use = {land_use} with area_class = 'pit_wall': "
                    "walls are greened in place and have no land use; leave land_use empty",
                    path=path, row=i, land_use=repr(land_use),
                )
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
