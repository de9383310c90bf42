"""Text that can be rendered again in another language: :class:`Message`.

A :class:`Message` *is* its English text (a ``str``, so JSON and every English output see
exactly the old string) and also keeps its catalogue id and values, so :func:`localise` can
write it in the current language. Values that carry a unit are wrapped (:class:`Money`) and
format themselves in the current language: ``{cost}`` gives ``9.00 M CNY`` or ``900.00万元``.
"""

from __future__ import annotations

from typing import Any

from sim.i18n import gettext, pgettext, use_lang


class Money(float):
    """An amount [CNY] that formats as ``M CNY`` (en) or ``万元`` (zh)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money, (float(self),))

    def __format__(self, spec: str) -> str:
        from sim.i18n.units import money

        return money(float(self))


class Area(float):
    """An area [ha] that formats as ``15.5 ha`` (en) or ``15.50公顷（232.5亩）`` (zh)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (Area, (float(self),))

    def __format__(self, spec: str) -> str:
        from sim.i18n.units import area

        return area(float(self))


class Term(str):
    """An identifier (a mineral, a criterion) that formats as its name in the current language."""

    context: str

    def __new__(cls, context: str, name: str) -> Term:
        obj = super().__new__(cls, name)
        obj.context = context
        return obj

    def __format__(self, spec: str) -> str:
        return pgettext(self.context, str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Term, (self.context, str(self)))


class Message(str):
    """English text that remembers its catalogue id and values, for :func:`localise`."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Message:
        with use_lang("en"):
            obj = super().__new__(cls, template.format(**values))
        obj.template = template
        obj.values = values
        return obj

    def __format__(self, spec: str) -> str:  # a message inside another: in its language
        return localise(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_message, (self.template, self.values))


def _message(template: str, values: dict[str, Any]) -> Message:
    """Rebuild a :class:`Message` (copy, pickle)."""
    return Message(template, **values)


def localise(text: str) -> str:
    """``text`` in the current language when it is a :class:`Message`; else unchanged."""
    if isinstance(text, Message):
        return gettext(text.template).format(**text.values)
    return text


class Terms(tuple):
    """Several identifiers of one context that format as their names in the current language,
    joined with the language's list separator (``a, b`` or ``甲、乙``)."""

    def __new__(cls, context: str, names: Any) -> Terms:
        return super().__new__(cls, (Term(context, n) for n in names))

    def __format__(self, spec: str) -> str:
        from sim.i18n import current_lang

        sep = "、" if current_lang() == "zh" else ", "
        return sep.join(format(t) for t in self)

    def __str__(self) -> str:
        return ", ".join(str(t) for t in self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_terms, (self[0].context if self else "", [str(t) for t in self]))


def _terms(context: str, names: list[str]) -> Terms:
    """Rebuild :class:`Terms` (copy, pickle)."""
    return Terms(context, names)


class Listing(tuple):
    """Texts (messages or plain) that format as a list in the current language: ``a, b`` /
    ``甲、乙``."""

    def __format__(self, spec: str) -> str:
        from sim.i18n import current_lang

        sep = "、" if current_lang() == "zh" else ", "
        return sep.join(format(t) for t in self)

    def __str__(self) -> str:
        return ", ".join(str(t) for t in self)


class Alternatives(tuple):
    """Texts (messages or plain) that format as alternatives in the current language:
    ``a, or b`` / ``a，或 b``."""

    def __format__(self, spec: str) -> str:
        from sim.i18n import _

        return _(", or ").join(format(t) for t in self)

    def __str__(self) -> str:
        return ", or ".join(str(t) for t in self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Alternatives, (tuple(self),))
