"""Reading a bill of quantities (经费估算 / 工程量清单) from a CSV or XLSX table.

The first row naming an item column (项目名称, 工程或费用名称, 名称, measure …) is the header;
columns are recognised by their Chinese or English names (:data:`COLUMNS`) with the unit in
brackets ("合价(万元)", "单价（元）"): a money unit on the amount column states the amounts' unit
for the file, overriding ``[bill] money_unit``. CSV is read as UTF-8, UTF-8 with BOM or GB18030
(:mod:`sim.textfiles`), XLSX with openpyxl (first sheet, cell values). Blank rows, rows with a
name and no numbers (chapter headings "一、工程施工费") and subtotal rows (合计, 小计, 总计, a
name ending in one, or 合计 in another cell of a row without a name) are not items. Every bad
cell is reported with its row and column; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError
from sim.i18n import N_, _
from sim.textfiles import read_text

__all__ = ["COLUMNS", "read_bill_file", "rows_to_items"]

#: field of :class:`sim.proposal.BillItem` -> header names (normalised: no spaces, lower case)
COLUMNS: dict[str, tuple[str, ...]] = {
    "measure": (
        "measure", "item", "name", "项目名称", "工程或费用名称", "工程名称", "费用名称", "名称",
        "分项工程", "措施", "工程内容",
    ),
    "quantity": ("quantity", "工程量", "数量"),
    "unit": ("unit", "单位"),
    "unit_price_cny": ("unit_price_cny", "unit_price", "综合单价", "单价"),
    "amount": ("amount", "合价", "金额", "合计", "投资", "费用", "小计"),
    "maps_to": ("maps_to",),
}  # fmt: skip
SUBTOTALS = ("合计", "小计", "总计", "共计", "total", "subtotal")
_BRACKET = re.compile(r"[(（\[]([^)）\]]*)[)）\]]")


def _header(cell: Any) -> tuple[str | None, str | None]:
    """The field a header cell names and the unit in its brackets, e.g. ("amount", "万元")."""
    text = str(cell or "").strip()
    units = _BRACKET.findall(text)
    name = re.sub(r"\s+", "", _BRACKET.sub("", text)).lower()
    for fld, names in COLUMNS.items():
        if name in names:
            return fld, (units[0].strip() if units else None)
    return None, None


def _is_subtotal(name: str, row: list[Any]) -> bool:
    """Whether a row is a subtotal: its name is one (合计, 工程施工费小计), or, without a name,
    another cell says so (合计 in the 序号 column, as a merged cell is saved)."""
    words = [re.sub(r"\s+", "", str(c)).lower() for c in ([name] if name else row) if c]
    return any(
        w in SUBTOTALS or (w.endswith(SUBTOTALS[:4]) and not w.isascii()) for w in words
    )


def _number(cell: Any) -> float | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError
    if isinstance(cell, int | float):
        return float(cell)
    return float(str(cell).strip().replace(",", "").replace("，", ""))


def rows_to_items(rows: list[list[Any]], shown: str, money_unit: str | None = None) -> list[Any]:
    """:class:`sim.proposal.BillItem` of a table's ``rows`` (cell values; first is row 1)."""
    from sim.proposal import BillItem, _describe

    head_at = None
    cols: dict[str, int] = {}
    amount_unit = None
    for i, row in enumerate(rows):
        found = {}
        for j, cell in enumerate(row):
            fld, unit = _header(cell)
            if fld is not None and fld not in found:
                found[fld] = j
                if fld == "amount" and unit in ("元", "万元"):
                    amount_unit = unit
        if "measure" in found:
            head_at, cols = i, found
            break
    if head_at is None:
        raise InputError(
            _(
                "{shown}: no header row naming the items' column (one of {names}); expected "
                "columns 项目名称, 工程量, 单位, 单价, 合价",
                shown=shown, names=_(", ").join(COLUMNS["measure"]),
            )
        )
    if "amount" not in cols and not {"quantity", "unit_price_cny"} <= set(cols):
        raise InputError(
            _(
                "{shown}: row {row}: the header names neither an amount column (合价, 金额, "
                "amount) nor both a quantity (工程量) and a unit price (单价) column",
                shown=shown, row=head_at + 1,
            )
        )
    items, problems = [], []
    for i in range(head_at + 1, len(rows)):
        row = rows[i]

        def cell(fld: str, row: list[Any] = row) -> Any:
            j = cols.get(fld)
            return row[j] if j is not None and j < len(row) else None

        name = str(cell("measure") or "").strip()
        data: dict[str, Any] = {"measure": name}
        bad = False
        for fld in ("quantity", "unit_price_cny", "amount"):
            raw = cell(fld)
            try:
                value = _number(raw)
            except ValueError:
                if fld == "amount" and isinstance(raw, str) and raw.strip():
                    data[fld] = raw.strip()  # "12.5 万元": checked by the model
                    continue
                problems.append(
                    _(
                        "{shown}: row {row}, column {column}: value {value}: must be a number "
                        ">= 0",
                        shown=shown, row=i + 1, column=fld, value=repr(raw),
                    )
                )
                bad = True
                continue
            if value is not None:
                if fld == "amount" and amount_unit is not None:
                    data[fld] = f"{value!r} {amount_unit}"
                else:
                    data[fld] = value
        unit = cell("unit")
        if unit not in (None, ""):
            data["unit"] = str(unit).strip()
        if cell("maps_to") not in (None, ""):
            data["maps_to"] = str(cell("maps_to")).strip()
        numbers = [k for k in ("quantity", "unit_price_cny", "amount") if k in data]
        if bad or (not name and not numbers):
            continue
        if not numbers or _is_subtotal(name, row):
            continue  # a chapter heading or a subtotal, not an item
        try:
            items.append(BillItem.model_validate(data))
        except ValidationError as exc:
            for e in exc.errors(include_url=False):  # the value and what is allowed
                problems.append(
                    _(
                        "{shown}: row {row}: {problem}",
                        shown=shown, row=i + 1, problem=_describe(BillItem, e),
                    )
                )
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    if not items:
        raise InputError(
            _("{shown}: the table has a header but no item with a number", shown=shown)
        )
    return items


def read_bill_file(path: str | Path, shown: str | None = None) -> list[Any]:
    """The items of a bill file (``.csv``, ``.txt`` or ``.xlsx``); :class:`InputError` naming
    the file, row and column of every problem."""
    path = Path(path)
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        text, _encoding = read_text(path, N_("bill of quantities"))
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path, shown)
    else:
        raise InputError(
            _(
                "{shown}: unsupported file type {suffix} for a bill of quantities; allowed: "
                ".csv, .txt, .xlsx",
                shown=shown, suffix=repr(path.suffix) if path.suffix else _("(no suffix)"),
            )
        )
    return rows_to_items(rows, shown)


def _xlsx_rows(path: Path, shown: str) -> list[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise InputError(
            _(
                "{shown}: not an Excel workbook (an .xlsx file is a zip archive); save it from "
                "Excel as .xlsx, or as CSV",
                shown=shown,
            )
        ) from None
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(
            _("{shown}: cannot read the workbook ({why})", shown=shown, why=exc)
        ) from None
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
