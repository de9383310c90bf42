"""Reading text tables the way Chinese offices save them: UTF-8, UTF-8 with BOM, or GB18030.

Excel on a Chinese Windows saves "CSV" in the system code page (GBK, a subset of GB18030) and
"CSV UTF-8" with a byte-order mark; both are read. UTF-16 ("Unicode text") and anything that
decodes as none of them are refused with a message naming the file, never a codec traceback.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from sim.errors import InputError
from sim.i18n import N_, _, gettext

__all__ = ["ENCODINGS", "decode", "read_text"]

#: tried in this order; UTF-8 first because GB18030 would also decode some UTF-8 bytes wrongly
ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")


def decode(raw: bytes, shown: str, what: str = N_("file")) -> tuple[str, str]:
    """``raw`` decoded as ``(text, encoding)``; an :class:`InputError` naming ``shown`` if not."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            _(
                "{shown}: the {what} is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' "
                "(or CSV in the GBK/GB18030 code page)",
                shown=shown, what=gettext(what),
            )
        )
    if b"\x00" in raw:
        raise InputError(
            _(
                "{shown}: binary {what} (contains NUL bytes); expected CSV text",
                shown=shown, what=gettext(what),
            )
        )
    first_error: UnicodeDecodeError | None = None
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    pos = first_error.start
    line = raw[:pos].count(b"\n") + 1
    raise InputError(
        _(
            "{shown}: the {what} is neither UTF-8 (with or without BOM) nor GB18030 text "
            "(byte {byte} at line {line}, offset {pos}); save it as 'CSV UTF-8'",
            shown=shown, what=gettext(what), byte=f"0x{raw[pos]:02x}", line=line, pos=pos,
        )
    )


def read_text(path: str | Path, what: str = N_("file")) -> tuple[str, str]:
    """The text of ``path`` and the encoding it was read in (see :func:`decode`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            _(
                "{path}: cannot read the {what} ({why})",
                path=path, what=gettext(what), why=exc.strerror or exc,
            )
        ) from None
    return decode(raw, str(path), what)
