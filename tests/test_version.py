"""One version: the installed distribution's metadata is the package's own ``__version__``."""

from __future__ import annotations

from importlib.metadata import version

import sim


def test_the_installed_version_is_the_package_version() -> None:
    assert version("restoresim") == sim.__version__
