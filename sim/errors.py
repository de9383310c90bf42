"""Errors that the command line reports as bad input (exit code 2) instead of a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad input: the message names the file, the field, the value and what is allowed."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class MissingExtraError(RuntimeError):
    """An optional feature was asked for whose packages are not installed (exit code 2)."""


def require_extra(extra: str, modules: Iterable[str], feature: str) -> None:
    """Raise :class:`MissingExtraError` naming ``pip install "restoresim[extra]"`` if any of
    ``modules`` cannot be imported."""
    import importlib

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        from sim.i18n import _, gettext  # here: sim.i18n imports this module

        raise MissingExtraError(
            _(
                "{feature} need the optional package(s) {missing}, which are not installed; "
                'install them with: pip install "restoresim[{extra}]"',
                feature=gettext(feature), missing=", ".join(missing), extra=extra,
            )
        )


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest allowed word, or ``""``."""
    from sim.i18n import _  # here: sim.i18n imports this module

    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return _("; did you mean '{word}'?", word=close[0]) if close else ""


def allowed_list(allowed: Iterable[str]) -> str:
    """Format allowed words for a message: ``'a', 'b', 'c'``."""
    return ", ".join(f"'{a}'" for a in allowed)
