"""Observed vegetation cover of approved mines: the table of ``proposal_id, date, cover``.

One row per observation (../shared/design/inputs.md): ``cover`` is the fractional vegetation
cover (0–1) of a mine's restored land on ``date``, of one area class or land use when those
columns are given. CSV in UTF-8 (with or without a BOM) or GB18030, as Chinese Excel saves it.

A supervision unit's table may be headed in Chinese (项目编号, 监测日期, 植被覆盖度, 损毁单元,
复垦方向, 复垦面积(公顷) or (亩), 数据来源: :data:`COLUMN_NAMES`), name the area classes and land
uses as plans do (采场底盘, 边坡, 排土场, 工业场地; 林地, 草地 …) and give the cover as a percentage
with its sign (``35%``).
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

from sim import quantities
from sim.errors import InputError, allowed_list, did_you_mean
from sim.i18n import N_, _
from sim.keys import AREA_CLASSES, LAND_USES
from sim.textfiles import decode

REQUIRED = ("proposal_id", "date", "cover")
OPTIONAL = ("area_class", "land_use", "restored_area_ha", "restored_area_mu", "source")
#: land uses whose cover is observed (water has none)
COVER_LAND_USES = tuple(lu for lu in LAND_USES if lu != "water")
#: the largest observation table read (bytes); a supervision table is thousands of rows
MAX_TABLE_BYTES = 50_000_000
#: 1 公顷 = 15 亩 (the statutory 市亩 of 666.67 m²)
MU_PER_HA = 15.0
#: the columns as a Chinese supervision table heads them (brackets and spaces are ignored, so
#: ``复垦面积（公顷）`` is ``复垦面积(公顷)``); a column in 亩 is read and converted to 公顷
COLUMN_NAMES: dict[str, str] = {
    "项目编号": "proposal_id", "申请编号": "proposal_id", "矿山编号": "proposal_id",
    "编号": "proposal_id",
    "日期": "date", "监测日期": "date", "观测日期": "date", "影像日期": "date",
    "成像日期": "date",
    "植被覆盖度": "cover", "覆盖度": "cover", "植被覆盖率": "cover",
    "损毁单元": "area_class", "损毁类型": "area_class", "损毁地类": "area_class",
    "复垦单元": "area_class", "修复单元": "area_class",
    "复垦方向": "land_use", "土地用途": "land_use", "复垦地类": "land_use",
    "复垦面积(公顷)": "restored_area_ha", "修复面积(公顷)": "restored_area_ha",
    "已复垦面积(公顷)": "restored_area_ha", "复垦面积(hm²)": "restored_area_ha",
    "复垦面积(hm2)": "restored_area_ha", "修复面积(hm²)": "restored_area_ha",
    "修复面积(hm2)": "restored_area_ha", "已修复面积(公顷)": "restored_area_ha",
    "复垦面积(亩)": "restored_area_mu", "修复面积(亩)": "restored_area_mu",
    "已复垦面积(亩)": "restored_area_mu", "已修复面积(亩)": "restored_area_mu",
    "数据来源": "source", "来源": "source", "影像来源": "source", "备注": "source",
    "影像文件": "raster", "栅格文件": "raster", "影像": "raster",
    "影像类型": "kind", "指数类型": "kind", "范围文件": "areas", "图斑文件": "areas",
}  # fmt: skip
#: the area classes as plans and supervision tables name them (the reports' names among them)
AREA_CLASS_NAMES: dict[str, str] = {
    "采场底盘": "pit_floor", "采坑底": "pit_floor", "采坑底部": "pit_floor", "采坑": "pit_floor",
    "采场": "pit_floor", "露天采场": "pit_floor", "采场平台": "pit_floor",
    "边坡": "pit_wall", "采场边坡": "pit_wall", "终了边坡": "pit_wall", "岩质边坡": "pit_wall",
    "采场边坡(投影面积)": "pit_wall",
    "排土场": "dump", "废石场": "dump", "废石堆": "dump", "排土场(废石场)": "dump",
    "工业场地": "infrastructure", "工业广场": "infrastructure", "道路": "infrastructure",
    "矿山道路": "infrastructure", "工业场地及道路": "infrastructure",
}  # fmt: skip
_BRACKETS = str.maketrans({"（": "(", "）": ")", "［": "(", "］": ")", "[": "(", "]": ")"})


def _key(text: str) -> str:
    """A header or name with full-width brackets made half-width and spaces removed."""
    return "".join(text.translate(_BRACKETS).split())


def canonical_columns(header: Sequence[str]) -> list[str]:
    """``header`` with each Chinese column name (:data:`COLUMN_NAMES`) replaced by its column."""
    return [COLUMN_NAMES.get(_key(h), h) for h in header]


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
    """Header and rows of a CSV file (UTF-8 or GB18030), with surrounding spaces stripped and
    Chinese column names replaced by the columns they name (:func:`canonical_columns`)."""
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
        header = canonical_columns([h.strip() for h in next(reader)])
    except StopIteration:
        raise InputError(_("{path}: empty file (expected a header row)", path=path)) from None
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise InputError(
            _(
                "{path}: column {column} appears more than once (a Chinese heading names the "
                "same column as another)",
                path=path, column=allowed_list(repeated),
            )
        )
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
    """``text`` as a number in [low, high]; for ``cover`` a percentage with its sign (``35%``,
    ``３５％``) is read as a fraction."""
    share = quantities.percent(text) if column == "cover" else None
    try:
        value = float(text) if share is None else share
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


def _choice(
    path: Path,
    row: int,
    column: str,
    text: str,
    allowed: Sequence[str],
    names: dict[str, str] | None = None,
) -> str | None:
    """``text`` if it is one of ``allowed`` (or a Chinese name of one in ``names``); None if
    empty; else a clear error."""
    if not text:
        return None
    if names and _key(text) in names:
        return names[_key(text)]
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
    """Refuse a table missing a required column or with an unknown one (a table with Chinese
    headings is told the Chinese headings read)."""
    header = list(header)
    missing = [c for c in required if c not in header]
    hint = ""
    if not all(h.isascii() for h in header):
        first = {}
        for name, column in COLUMN_NAMES.items():
            first.setdefault(column, name)
        named = [f"{first[c]} = {c}" for c in (*required, *optional) if c in first]
        hint = _("; Chinese headings read: {names}", names="、".join(named))
    if missing:
        raise InputError(
            _(
                "{path}: missing column(s) {missing}; the columns are {required} and optionally "
                "{optional}",
                path=path, missing=allowed_list(missing), required=allowed_list(required),
                optional=allowed_list(optional),
            )
            + hint
        )
    for c in header:
        if c not in (*required, *optional):
            raise InputError(
                _(
                    "{path}: unknown column {column}; allowed: {allowed}",
                    path=path, column=repr(c), allowed=allowed_list((*required, *optional)),
                )
                + (did_you_mean(c, (*required, *optional)) if c.isascii() else hint)
            )


def class_and_use(path: Path, row: int, r: dict[str, str]) -> tuple[str | None, str | None]:
    """The area class and land use of a row (English values or Chinese names), checked."""
    from sim.contract import LAND_USE_NAMES

    area_class = _choice(
        path, row, "area_class", r.get("area_class", ""), AREA_CLASSES, AREA_CLASS_NAMES
    )
    land_use = _choice(path, row, "land_use", r.get("land_use", ""), COVER_LAND_USES, {
        k: v for k, v in LAND_USE_NAMES.items() if v in COVER_LAND_USES
    })  # fmt: skip
    if area_class == "pit_wall" and land_use:
        raise InputError(
            _(
                "{path}, row {row}: land_use = {land_use} with area_class = 'pit_wall': "
                "walls are greened in place and have no land use; leave land_use empty",
                path=path, row=row, land_use=repr(land_use),
            )
        )
    return area_class, land_use


def _restored_area_ha(path: Path, row: int, r: dict[str, str]) -> float | None:
    """The row's restored area in 公顷, from ``restored_area_ha`` or ``restored_area_mu``."""
    ha, mu = r.get("restored_area_ha", ""), r.get("restored_area_mu", "")
    if ha and mu:
        raise InputError(
            _(
                "{path}, row {row}: both restored_area_ha = {ha} and restored_area_mu = {mu}; "
                "give one",
                path=path, row=row, ha=repr(ha), mu=repr(mu),
            )
        )
    if mu:
        return _number(path, row, "restored_area_mu", mu, 0.0, 1e5 * MU_PER_HA) / MU_PER_HA
    return _number(path, row, "restored_area_ha", ha, 0.0, 1e5) if ha else None


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
        area_class, land_use = class_and_use(path, i, r)
        area = _restored_area_ha(path, i, r)
        out.append(
            Observation(
                proposal_id=pid,
                date=parse_date(path, i, "date", r["date"]),
                cover=_number(path, i, "cover", r["cover"], 0.0, 1.0),
                area_class=area_class,
                land_use=land_use,
                restored_area_ha=area,
                source=r.get("source", ""),
            )
        )
    return out
