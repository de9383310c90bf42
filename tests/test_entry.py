"""Ctrl-C while `restoresim` is still loading ends it with one line and status 130."""

from __future__ import annotations

import sys
import types

import pytest

from sim import entry


class _Loading(types.ModuleType):
    """A ``sim.cli`` whose loading is interrupted (Ctrl-C during its imports)."""

    def __getattr__(self, name: str):
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["evaluate"], "", "restoresim: interrupted"),
        (["evaluate", "--lang", "zh"], "", "restoresim：已中断"),
        (["evaluate"], "zh", "restoresim：已中断"),
        (["evaluate", "--lang=xx"], "", "restoresim: interrupted"),
    ],
)
def test_ctrl_c_while_loading_is_one_line_and_130(argv, env, said, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "sim.cli", _Loading("sim.cli"))
    monkeypatch.setattr(sys, "argv", ["restoresim", *argv])
    monkeypatch.setenv("RESTORESIM_LANG", env)
    assert entry.main() == 130
    err = capsys.readouterr().err
    assert err.strip() == said, err
