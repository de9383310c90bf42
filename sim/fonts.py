"""A CJK font for every figure, found at run time.

matplotlib's default DejaVu Sans has no Chinese glyphs, so Chinese labels (and Chinese layer
names in an English report) would print as boxes. :func:`cjk_family` looks for an installed CJK
font known to matplotlib (Debian's ``fonts-noto-cjk`` first); :func:`font_rc` gives the rc
settings that use it: first for Chinese output, as a fallback behind DejaVu Sans for English
(so English figures keep their look). With no CJK font, :func:`figure_lang` draws Chinese
figures in English and one line on stderr, once per process, says how to install a font.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from matplotlib import font_manager

#: families tried in order: Noto Sans CJK (Debian/Ubuntu fonts-noto-cjk), Source Han Sans,
#: WenQuanYi (fonts-wqy-microhei/zenhei), then common Windows and macOS fonts
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)
LATIN_FAMILY = "DejaVu Sans"
INSTALL_HINT = (
    "restoresim: no CJK font found for the figures, so Chinese text in them will not render; "
    "install one, e.g. `apt-get install fonts-noto-cjk` (Debian/Ubuntu) or "
    "`dnf install google-noto-sans-cjk-fonts`, then remove ~/.cache/matplotlib"
)


@functools.cache
def cjk_family() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


@functools.cache
def _warn_missing() -> None:
    print(INSTALL_HINT, file=sys.stderr)


def figure_lang(lang: str) -> str:
    """The language a figure can be drawn in: ``lang``, or English for a Chinese figure when no
    CJK font is installed (never boxes; one line on stderr says how to install one)."""
    if lang == "zh" and cjk_family() is None:
        _warn_missing()
        return "en"
    return lang


def font_rc(lang: str) -> dict[str, Any]:
    """rc settings for a figure in ``lang``: the CJK font first (zh) or as a fallback (en)."""
    cjk = cjk_family()
    if cjk is None:
        return {"font.family": [LATIN_FAMILY]}
    # concrete names, not the generic "sans-serif": a text keeps them from its creation to the
    # moment the figure is saved, whatever the rc settings are then
    return {"font.family": [cjk, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, cjk]}
