"""How the model's stages are compiled: one decorator, and a cache that cannot go stale.

:func:`stage` compiles a stage function with numba, to be inlined into the engine's chunk loop
(``sim.kernel``); under ``NUMBA_DISABLE_JIT=1`` numba leaves it plain Python, for tracebacks,
pdb and coverage inside the model.

numba's on-disk cache keys a compiled function on its own source file only, so a kernel that
inlines stages from ``sim/model/*.py`` (or reads constants of ``sim/keys.py``, or takes its
output rows from the output registry ``sim/outputs_registry.py``) could be served stale after
an edit of those files. The locators registered here stamp every function of the ``sim``
package with the hash of all the model's sources (:data:`MODEL_SOURCES`) and of the kernel's
output layout (:func:`output_layout_stamp`), so an edit of any of them recompiles them all,
while editing an output's unit, long name or description recompiles nothing.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from numba import config, njit
from numba.core import caching

#: floating-point licences of the model (see sim/kernel.py): fused multiply-add, reassociation,
#: reciprocals and signed zeros; never "no NaN" or "no inf", which the model relies on
FASTMATH = {"contract", "reassoc", "arcp", "nsz"}

PACKAGE = Path(__file__).resolve().parents[1]
#: the files whose edits must recompile every cached function of the package
MODEL_SOURCES: tuple[str, ...] = ("kernel.py", "keys.py", "rng.py", "model/*.py")


def stage(fn=None, *, inline: bool = True):
    """Compile a model stage: numba, with the model's licences, inlined into its caller (or,
    with ``inline=False``, a plain compiled call: for a large fused loop, where numba's inliner
    cannot pass many arguments and a call per row costs nothing measurable)."""
    if fn is None:
        return lambda f: stage(f, inline=inline)
    return njit(cache=True, inline="always" if inline else "never", fastmath=FASTMATH)(fn)


def records(a: np.ndarray) -> np.ndarray:
    """``a`` (a structured array) as the compiled model reads it: itself, or under
    ``NUMBA_DISABLE_JIT=1`` a :class:`numpy.recarray` view, whose elements have the attribute
    access (``P.reserves_mt``) that numba gives records."""
    return a.view(np.recarray) if config.DISABLE_JIT else a


@lru_cache(maxsize=8)
def _stamp_of(stats: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _, _ in stats:
        digest.update(path.encode("utf-8"))
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def model_source_stamp(root: Path = PACKAGE) -> str:
    """SHA-256 of the model's source files under ``root`` (re-read when one changes)."""
    files = sorted({p for pattern in MODEL_SOURCES for p in root.glob(pattern) if p.is_file()})
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _stamp_of(stats)


def output_layout_stamp() -> str:
    """SHA-256 of what the compiled kernel takes from the output registry: the names (and
    families) of its per-draw outputs, in order."""
    from sim.outputs_registry import DRAW, DRAW_YEARLY

    layout = [(o.name, o.family) for o in DRAW], [(o.name, o.family) for o in DRAW_YEARLY]
    return hashlib.sha256(repr(layout).encode("utf-8")).hexdigest()


class _ModelStampMixin:
    """A numba cache locator for the package's functions, stamped with all model sources."""

    _py_file: str

    def get_source_stamp(self):
        return (
            super().get_source_stamp(),  # type: ignore[misc]
            model_source_stamp(),
            output_layout_stamp(),
        )

    @classmethod
    def from_function(cls, py_func, py_file):
        if not Path(py_file).resolve().is_relative_to(PACKAGE):
            return None
        return super().from_function(py_func, py_file)  # type: ignore[misc]


def _register_locators() -> None:
    """Put a model-stamped variant of each of numba's source-file locators first."""
    impl = caching.CacheImpl
    ours = [c for c in impl._locator_classes if issubclass(c, _ModelStampMixin)]
    if ours:
        return
    bases = [
        c
        for c in impl._locator_classes
        if issubclass(c, caching._SourceFileBackedLocatorMixin) and c is not caching.ZipCacheLocator
    ]
    variants = [type(f"Model{c.__name__}", (_ModelStampMixin, c), {}) for c in bases]
    impl._locator_classes = [*variants, *impl._locator_classes]


_register_locators()
