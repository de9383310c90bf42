"""The reviewer's language: English (``en``, the source text) or Chinese (``zh``).

Messages are gettext catalogues: the English text is the message id, each language's ``.po``
file under ``sim/i18n/locale/`` gives its translation and ships with the package; it is read
with Babel at run time (no compile step). The language of an output is set for a block of code
with :func:`use_lang` and read by :func:`_`, so formatting code deep in the report does not pass
it around::

    from sim.i18n import _, use_lang
    with use_lang("zh"):
        _("Verdict: {word}", word="...")       # -> "评审结论：..."

:func:`resolve_lang` picks the language: the ``--lang`` option, else ``$RESTORESIM_LANG``, else
the policy's ``[policy] language``, else English. JSON keys, criterion names and field paths
are never translated (they are the documented contract).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator
from importlib import resources
from typing import Any

from sim.errors import InputError

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
ENV_VAR = "RESTORESIM_LANG"
DOMAIN = "restoresim"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("restoresim_lang", default="en")


def check_lang(lang: str, origin: str = "--lang") -> str:
    """``lang`` if it is supported, else an :class:`InputError` naming the allowed ones."""
    if lang not in LANGS:
        raise InputError(f"{origin} = {lang!r}: allowed languages are {', '.join(LANGS)}")
    return lang


def resolve_lang(lang: str | None = None, policy: Any | None = None) -> str:
    """The output language: ``lang``, else ``$RESTORESIM_LANG``, else the policy's, else en."""
    if lang:
        return check_lang(lang)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return check_lang(env, f"${ENV_VAR}")
    chosen = getattr(getattr(policy, "policy", None), "language", None)
    return chosen or DEFAULT_LANG


def current_lang() -> str:
    """The language of the output being written (set by :func:`use_lang`)."""
    return _current.get()


@contextlib.contextmanager
def use_lang(lang: str) -> Iterator[str]:
    """Write the outputs of the block in ``lang``."""
    token = _current.set(check_lang(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


@functools.cache
def catalogue(lang: str) -> dict[tuple[str | None, str], str]:
    """``{(context, English id): translation}`` of ``lang`` (empty for English)."""
    if lang == "en":
        return {}
    from babel.messages.pofile import read_po

    po = resources.files("sim.i18n").joinpath(f"locale/{lang}/LC_MESSAGES/{DOMAIN}.po")
    with po.open("rb") as fh:
        cat = read_po(fh)
    return {
        (m.context, m.id): m.string
        for m in cat
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def gettext(message: str, context: str | None = None) -> str:
    """``message`` in the current language (the English id when it has no translation)."""
    lang = _current.get()
    if lang == "en":
        return message
    return catalogue(lang).get((context, message), message)


def _(message: str, /, **values: Any) -> str:
    """``message`` in the current language, with ``{name}`` fields filled from ``values``."""
    text = gettext(message)
    return text.format(**values) if values else text


def pgettext(context: str, message: str) -> str:
    """``message`` with a disambiguating ``context`` (e.g. a criterion name) translated."""
    return gettext(message, context)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark ``message`` with ``context`` for the catalogue without translating it now."""
    return message
