"""numba without importing ``scipy.linalg`` until a BLAS function is compiled.

The first compiled function numba runs in a process (one loaded from its on-disk cache too) makes
numba import its numpy implementations, and ``numba.np.arraymath`` asks then, once, whether
BLAS is available by importing ``scipy.linalg.cython_blas``: all of ``scipy.linalg`` (and the
numpy submodules its array-API layer touches), 0.15 s of ``restoresim evaluate``'s start-up on a
quiet machine and about 1 s on a busy one, for a model that calls no BLAS function.
:func:`install` answers that one question from whether scipy is installed, without importing it;
numba's BLAS functions (``np.dot``, ``np.linalg.*``) still import ``scipy.linalg`` and check its
integer width when one is compiled, as before. Nothing is imported until numba itself loads
``numba.np.linalg``, so commands that compile nothing pay nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any

#: the numba module whose ``ensure_blas`` numba.np.arraymath calls at import
LINALG = "numba.np.linalg"
#: the module that asks, once, at its import
ASKS = "numba.np.arraymath"


def _patch(linalg: ModuleType) -> bool:
    """Give ``linalg`` a one-shot ``ensure_blas`` that does not import scipy (True if done)."""
    real = getattr(linalg, "ensure_blas", None)
    if real is None or getattr(real, "_lazy", False) or ASKS in sys.modules:
        return False

    def ensure_blas() -> None:
        linalg.ensure_blas = real  # every later caller (a BLAS function compiled) checks for real
        if importlib.util.find_spec("scipy") is None:
            raise ImportError("scipy 0.16+ is required for linear algebra")

    ensure_blas._lazy = True  # type: ignore[attr-defined]
    linalg.ensure_blas = ensure_blas  # type: ignore[attr-defined]
    return True


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; when ``numba.np.linalg`` is imported, patches it after it runs."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != LINALG:
            return None
        sys.meta_path.remove(self)  # one shot: the module is imported once
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        run = getattr(loader, "exec_module", None)
        if run is None:  # pragma: no cover - numba ships plain source modules
            return spec

        def exec_module(module: ModuleType) -> None:
            run(module)
            _patch(module)

        loader.exec_module = exec_module  # type: ignore[union-attr]  # this spec's own loader
        return spec


def install() -> bool:
    """Make numba's BLAS check lazy in this process (True if it will be, or is, lazy): patch
    ``numba.np.linalg`` now if it is imported and the check not yet made, else when it is
    imported."""
    if ASKS in sys.modules:
        return False  # numba has asked already
    linalg = sys.modules.get(LINALG)
    if linalg is not None:
        return _patch(linalg) or getattr(linalg.ensure_blas, "_lazy", False)
    if not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())
    return True
