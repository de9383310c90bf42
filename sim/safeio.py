"""Reading untrusted input files within fixed bounds (see the README's threat model).

Every file an application or a reviewer names is read through these helpers:

- only regular files are read: a FIFO, a device (``/dev/zero``), a socket or a folder is refused
  without blocking (the file is opened non-blocking and checked with ``fstat``);
- a file larger than its kind's limit is refused before it is read;
- a document nested deeper than :data:`MAX_NESTING` levels is refused;
- text fields may not carry control characters (ESC, BEL, CR, ...), which would reach the
  reviewer's terminal, spreadsheet or report raw;
- a path an application names must lie inside the application's folder (after symlinks).

Every refusal is an :class:`~sim.errors.InputError` naming the file (exit code 2).
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.i18n import N_, _

#: largest proposal, policy, scenario or sweep-spec file (TOML/JSON) [bytes]
MAX_DOCUMENT_BYTES = 8 * 2**20
#: largest CSV queue [bytes]
MAX_CSV_BYTES = 256 * 2**20
#: largest boundary file of an application (each of a Shapefile's parts) [bytes]
MAX_BOUNDARY_BYTES = 16 * 2**20
#: largest protected-layer file of the reviewer [bytes]
MAX_LAYER_BYTES = 1024 * 2**20
#: most vertices of a boundary, as read and after densifying for reprojection
MAX_BOUNDARY_VERTICES = 200_000
#: deepest nesting of tables and arrays in an input document
MAX_NESTING = 32

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters refused in inputs (TAB and LF are allowed)."""
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _size_text(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else _("{n} bytes", n=f"{n:,}")


def regular_file_size(path: Path, where: str, limit: int) -> int:
    """The size of ``path`` if it is a regular file of at most ``limit`` bytes, else refuse it.

    Opening is non-blocking, so a FIFO cannot hang the caller; symlinks are followed and their
    target is checked.
    """
    with _open_regular(path, where) as fd:
        size = os.fstat(fd.fd).st_size
    _check_size(where, size, limit)
    return size


def read_limited(path: Path, where: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`regular_file_size`)."""
    with _open_regular(path, where) as fd:
        _check_size(where, os.fstat(fd.fd).st_size, limit)
        _blocking(fd.fd)
        with os.fdopen(os.dup(fd.fd), "rb") as f:
            data = f.read(limit + 1)  # the file may grow while it is read
    _check_size(where, len(data), limit)
    return data


def read_head(path: Path, where: str, n: int = 64) -> bytes:
    """The first ``n`` bytes of a regular file (refusing FIFOs and devices without blocking)."""
    with _open_regular(path, where) as fd:
        _blocking(fd.fd)
        return os.read(fd.fd, n)


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file's bytes, or a word saying why there are none (``missing``,
    ``not a regular file``); never blocks on a FIFO."""
    import hashlib

    try:
        with _open_regular(path, str(path)) as fd:
            _blocking(fd.fd)
            with os.fdopen(os.dup(fd.fd), "rb") as f:
                return hashlib.file_digest(f, "sha256").hexdigest()
    except InputError:  # its message is in the reviewer's language: ask the file system
        return "not a regular file" if os.path.exists(path) else "missing"


def _check_size(where: str, size: int, limit: int) -> None:
    if size > limit:
        raise InputError(
            _(
                "{where}: the file is {size}, more than the {limit} allowed for this kind of "
                "input",
                where=where, size=_size_text(size), limit=_size_text(limit),
            )
        )


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX; a FIFO cannot exist elsewhere


def _blocking(fd: int) -> None:
    if _NONBLOCK:
        os.set_blocking(fd, True)


class _Fd:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _Fd:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


def _open_regular(path: Path, where: str) -> _Fd:
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(
            _("{where}: file not found (looked for {path})", where=where, path=path)
        ) from None
    except IsADirectoryError:
        raise InputError(_("{where}: is a directory, expected a file", where=where)) from None
    except OSError as exc:
        raise InputError(
            _("{where}: cannot read the file ({why})", where=where, why=exc.strerror or exc)
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            N_("a directory")
            if stat.S_ISDIR(mode)
            else N_("a FIFO (named pipe)")
            if stat.S_ISFIFO(mode)
            else N_("a device")
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else N_("a socket")
            if stat.S_ISSOCK(mode)
            else N_("not a regular file")
        )
        raise InputError(
            _("{where}: is {kind}, expected a regular file", where=where, kind=_(kind))
        )
    return _Fd(fd)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies inside ``folder`` once both are resolved (symlinks followed)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    except (OSError, ValueError):
        return False


def clean_document(data: Any, where: str) -> Any:
    """A parsed document checked for nesting and control characters, -0.0 made 0.0.

    Returns a cleaned copy; raises one :class:`InputError` listing every problem.
    """
    problems: list[str] = []

    def walk(x: Any, path: str, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise InputError(
                _(
                    "{where}: {path}: nested more than {n} levels deep (tables and arrays inside "
                    "each other); the input contract needs at most a few",
                    where=where, path=path or _("the document"), n=MAX_NESTING,
                )
            )
        if isinstance(x, dict):
            for k in x:
                if isinstance(k, str) and _CONTROL.search(k):
                    problems.append(
                        _(
                            "{where}: key {key}: contains a control character",
                            where=where, key=repr(printable(k)),
                        )
                    )
            return {k: walk(v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(x)]
        if isinstance(x, str) and _CONTROL.search(x):
            c = _CONTROL.search(x).group()  # type: ignore[union-attr]
            problems.append(
                _(
                    "{where}: {path} = {value}: contains the control character {code}; text "
                    "fields may not contain control characters (only tab and line feed)",
                    where=where, path=path, value=repr(printable(x)), code=f"U+{ord(c):04X}",
                )
            )
            return x
        if isinstance(x, float) and x == 0.0 and math.copysign(1.0, x) < 0:
            return 0.0
        return x

    out = walk(data, "", 0)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return out


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes (safe for a terminal)."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def printable_lines(text: str) -> str:
    """Like :func:`printable` but keeping line feeds and tabs (for multi-line messages)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: control characters escaped (``\\xNN``), and text
    that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)
    prefixed with an apostrophe. Numbers are left as they are."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
