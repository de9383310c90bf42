"""A ``restoresim`` process collects garbage less often and freezes what is alive at its end
(start-up, issue 16); a caller passing argv keeps its collector untouched."""

from __future__ import annotations

import contextlib
import gc
import io
import json
import subprocess
import sys

import pytest

from sim import cli

PROGRAM = """
import contextlib, gc, io, json, sys
from sim import cli
sys.argv = ["restoresim", "evaluate", "--draws", "20", "--json"]
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main()
print(json.dumps([code, gc.get_freeze_count(), gc.get_threshold()[0]]))
"""


@pytest.mark.slow
def test_the_program_collects_less_often_and_freezes_at_its_end() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, timeout=600
    )
    code, frozen, threshold = json.loads(out.stdout.strip().splitlines()[-1])
    assert code == 0
    assert frozen > 10_000  # the libraries' objects, not walked again at shutdown
    assert threshold == cli.PROGRAM_GC_THRESHOLD


def test_a_caller_with_argv_keeps_its_collector() -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["schema", "proposal"]) == 0
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
