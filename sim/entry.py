"""The ``restoresim`` console script.

It loads :mod:`sim.cli` and runs it, so that Ctrl-C while the program is still loading (its
imports take a few tenths of a second) or reading its command line ends it as Ctrl-C does
later: one line, "restoresim: interrupted", and exit status 130, not a traceback.
"""

from __future__ import annotations

import itertools
import os
import sys


def _interrupted(argv: list[str]) -> int:
    """Say so in the line's language (``--lang``, else ``$RESTORESIM_LANG``, else English)."""
    from sim.i18n import ENV_VAR, LANGS, _, use_lang

    given = [a.split("=", 1)[1] for a in argv if a.startswith("--lang=")]
    given += [b for a, b in itertools.pairwise(argv) if a == "--lang"]
    lang = next(iter(given), os.environ.get(ENV_VAR, "").strip())
    with use_lang(lang if lang in LANGS else "en"):
        print(_("restoresim: interrupted"), file=sys.stderr)
    return 130


def main() -> int:
    """Run ``restoresim`` (:func:`sim.cli.main`) on the process's command line."""
    try:
        from sim.cli import main as run

        return run()
    except KeyboardInterrupt:  # before sim.cli.main handles it itself
        return _interrupted(sys.argv[1:])
