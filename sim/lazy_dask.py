"""xarray without importing dask, pint or other array libraries until they are used.

Every xarray variable made from a numpy array asks whether its data is a dask, pint, cupy, …
array (``isinstance(data, array_type("dask"))``, ``is_dask_collection``), and the first such
question imports that library when it is installed: ``dask.array`` and ``pint`` (which imports
``dask.base``) are one to two seconds of ``restoresim evaluate``'s start-up, for a command that
uses neither. No array of a library can exist before the library is imported, so the answer is
"no" without importing it; :func:`install` gives that answer through xarray's cache of array
modules and its ``is_dask_collection``, and the library's real answers as soon as anyone has
imported it.
"""

from __future__ import annotations

import sys
from typing import Any

#: xarray's duck-array modules -> the module whose import any of its arrays implies
TRIGGERS = {
    "dask": "dask.array",
    "pint": "pint",
    "cupy": "cupy",
    "sparse": "sparse",
    "cubed": "cubed",
}


class _LazyModule:
    """Stands in for xarray's ``DuckArrayModule(name)`` until the library is imported."""

    def __init__(self, real: type, name: str) -> None:
        self._real_type, self._name, self._real = real, name, None

    def _module(self) -> Any:
        if self._real is None:
            self._real = self._real_type(self._name)
        return self._real

    @property
    def type(self) -> tuple[type, ...]:
        if TRIGGERS[self._name] not in sys.modules:
            return ()  # no array of the library can exist yet
        return self._module().type

    def __getattr__(self, name: str) -> Any:  # module, version, available: the real ones
        return getattr(self._module(), name)


def install() -> bool:
    """Make xarray's array-library checks lazy (True if they are). An xarray without the private
    names this relies on is left alone."""
    try:
        from xarray.namedarray import pycompat, utils
    except ImportError:  # pragma: no cover - xarray is a dependency
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    real = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or real is None:
        return False
    for name, trigger in TRIGGERS.items():
        if name not in cache and trigger not in sys.modules:
            cache[name] = _LazyModule(real, name)
    original = getattr(utils, "is_dask_collection", None)
    if original is not None and not getattr(original, "_lazy", False):

        def is_dask_collection(x: object) -> bool:
            # every dask collection's module imports dask.base: none exists before it is
            return "dask.base" in sys.modules and bool(original(x))

        is_dask_collection._lazy = True  # type: ignore[attr-defined]
        utils.is_dask_collection = is_dask_collection
    return isinstance(cache.get("dask"), _LazyModule)
