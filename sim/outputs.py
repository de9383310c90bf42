"""Writing output files safely: to a temporary name in the same folder, then renamed.

Every command writes through :func:`atomic_write` (or :func:`atomic_write_all` for a set of
files that belong together). An interrupted command therefore never leaves a half-written file
under the final name, and a file that exists under its final name is complete
(``restoresim batch --resume`` relies on it).

Temporary files are named ``.NAME.restoresim-PID-RANDOM.tmp``: a failure, Ctrl-C or SIGTERM
removes them at once; after a SIGKILL or a power cut, :func:`clean_stale_temp_files` removes
those of processes no longer running the next time a command writes to that folder. No other
file is ever deleted: a user's own ``.x.tmp`` files are not ours.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.i18n import _

TEMP_SUFFIX = ".tmp"
TEMP_MARK = ".restoresim-"
_OWN_TEMP = re.compile(r"^\..+\.restoresim-(\d+)-[A-Za-z0-9_]+\.tmp$")


def temp_path(path: Path, *, directory: bool = False) -> Path:
    """A new, unique temporary path beside ``path`` (a file, or a folder if ``directory``)."""
    path = Path(path)
    prefix = f".{path.name}{TEMP_MARK}{os.getpid()}-"
    if directory:
        return Path(tempfile.mkdtemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=path.parent))
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def is_own_temp(path: Path) -> bool:
    """Whether ``path`` is named like a temporary file of restoresim."""
    return _OWN_TEMP.match(Path(path).name) is not None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else
        return True
    return True


def clean_stale_temp_files(folder: Path) -> int:
    """Remove restoresim's temporary files in ``folder`` left by processes that no longer run.

    Returns how many were removed. Files of running processes (a parallel run) and every file
    not named by :func:`temp_path` are left alone.
    """
    import shutil

    n = 0
    if not Path(folder).is_dir():
        return 0
    for p in Path(folder).iterdir():
        m = _OWN_TEMP.match(p.name)
        if m is None or _alive(int(m.group(1))):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        n += 1
    return n


def _write_temp(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a new temporary file beside ``path``; the temp file on success."""
    try:
        tmp = temp_path(path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary file is removed if ``write`` fails or is interrupted; an ``OSError`` names
    ``path``, never the temporary file.
    """
    atomic_write_all({Path(path): write})


def atomic_write_all(writers: Mapping[Path, Callable[[Path], None]]) -> None:
    """Write several files that belong together: never a mix of old and new ones.

    Every file is written to its temporary name first (the slow part); only then are the old
    files removed and the new ones renamed into place, so an interruption leaves either the old
    set, or (in the short renaming step) only new files, never new and old ones mixed.
    """
    done: dict[Path, Path] = {}
    try:
        for path, write in writers.items():
            done[Path(path)] = _write_temp(Path(path), write)
        if len(done) > 1:
            for path in done:
                path.unlink(missing_ok=True)
        for path in list(done):
            try:
                os.replace(done[path], path)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(path)) from None
            del done[path]
    finally:
        for tmp in done.values():
            tmp.unlink(missing_ok=True)


def _umask() -> int:
    """The process's file-creation mask, read without changing it (Linux), else 0o022."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def prepare_folder(folder: Path, option: str = "--out") -> None:
    """Create ``folder`` if needed and check that files can be written in it, before any work.

    Also removes restoresim's stale temporary files there. An :class:`InputError` names the
    folder (not a temporary file).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            _("{option} {folder}: exists and is not a folder", option=option, folder=folder)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp_path(folder / "probe").unlink()
    except OSError as exc:
        raise InputError(
            _(
                "{option} {folder}: cannot create or write in this folder ({why})",
                option=option, folder=folder, why=exc.strerror or exc,
            )
        ) from None
    clean_stale_temp_files(folder)


def terminate_as_interrupt() -> Any:
    """Handle SIGTERM like Ctrl-C (``KeyboardInterrupt``), so temporary files are removed.

    Returns the previous handler (for :func:`restore_signal`), or None off the main thread.
    """

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return None


def restore_signal(previous: Any) -> None:
    """Put back the SIGTERM handler :func:`terminate_as_interrupt` replaced."""
    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except ValueError:
            pass
