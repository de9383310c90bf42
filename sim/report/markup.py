"""HTML building blocks of the report: tables with data attributes, embedded figures, values."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any


def data_attrs(data: Mapping[str, Any]) -> str:
    """``data-*`` attributes holding JSON values (machine-readable cells)."""
    return "".join(f' data-{k}="{escape(json.dumps(v))}"' for k, v in data.items())


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    cls: str = "",
    num: Sequence[int] = (),
    row_attrs: Iterable[Mapping[str, Any]] | None = None,
) -> str:
    """An HTML table; cells are already-escaped HTML, columns in ``num`` right-aligned."""

    def cell(tag: str, i: int, x: str) -> str:
        return f'<{tag} class="num">{x}</{tag}>' if i in num else f"<{tag}>{x}</{tag}>"

    ths = "".join(cell("th", i, escape(h)) for i, h in enumerate(head))
    attrs = iter(row_attrs) if row_attrs is not None else None
    body = []
    for r in rows:
        extra = data_attrs(next(attrs)) if attrs is not None else ""
        body.append(f"<tr{extra}>" + "".join(cell("td", i, x) for i, x in enumerate(r)) + "</tr>")
    return (
        f'<table class="{cls}"><thead><tr>{ths}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def figure(figures: Mapping[str, bytes], key: str, alt: str, caption: str) -> str:
    if key not in figures:
        return ""
    src = "data:image/png;base64," + base64.b64encode(figures[key]).decode("ascii")
    return (
        f'<figure id="fig-{key}"><img src="{src}" alt="{escape(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def codes(names: Iterable[str]) -> str:
    """Names as comma-separated ``<code>`` elements."""
    return ", ".join(f"<code>{escape(n)}</code>" for n in names)
