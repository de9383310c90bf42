"""The model's compiled functions are cached under a stamp of all the model's sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import kernel
from sim.model import _compile


def test_kernel_functions_use_the_model_stamped_cache() -> None:
    for fn in (kernel.simulate_chunk, kernel.draw_inputs, kernel.yearly_uniforms):
        locator = fn._cache._impl.locator
        assert isinstance(locator, _compile._ModelStampMixin), type(locator)
        assert locator.get_source_stamp()[1] == _compile.model_source_stamp()
        assert locator.get_source_stamp()[2] == _compile.output_layout_stamp()


def test_the_stamp_changes_with_any_model_source(tmp_path: Path) -> None:
    root = tmp_path / "sim"
    (root / "model").mkdir(parents=True)
    for name in ("kernel.py", "keys.py", "rng.py", "model/schedule.py", "model/cost.py"):
        (root / name).write_text(f"# {name}\n", encoding="utf-8")
    (root / "cli.py").write_text("# not part of the model\n", encoding="utf-8")
    first = _compile.model_source_stamp(root)
    (root / "cli.py").write_text("# edited\n", encoding="utf-8")
    assert _compile.model_source_stamp(root) == first
    for name in ("keys.py", "model/cost.py"):
        path = root / name
        path.write_text(path.read_text("utf-8") + "X = 1\n", encoding="utf-8")
        stamp = _compile.model_source_stamp(root)
        assert stamp != first
        first = stamp


def test_the_chunk_loop_reads_land_uses_without_unrolling_literals() -> None:
    """``literal_unroll`` re-types the whole function it is in, once per loop: in the chunk loop
    its four loops were ≈ 3.5 s of the first run's ≈ 17.6 s of compilation. The fields by land
    use are read in a call of their own, in the order of LAND_USES."""
    import numpy as np

    from sim.keys import LAND_USES, PARAM_DTYPE

    assert "literal_unroll" not in kernel.simulate_chunk.py_func.__code__.co_names
    rec = np.zeros(1, dtype=PARAM_DTYPE)
    fields = (kernel.SHARE_FIELDS, kernel.DEPTH_FIELDS, kernel.PLANT_FIELDS, kernel.CRIT_FIELDS)
    for i, names in enumerate(fields):
        for j, name in enumerate(names):
            rec[name] = 10.0 * i + j + 1.0
    got = [np.zeros(len(LAND_USES)) for _ in fields]
    kernel._land_use_inputs(_compile.records(rec)[0], *got)
    for names, values in zip(fields, got, strict=True):
        np.testing.assert_array_equal(values[: len(names)], [rec[n][0] for n in names])


PURE_PYTHON = """
import json, warnings
import sim
from sim import engine
warnings.simplefilter("ignore", RuntimeWarning)  # uint64 wrapping in the counter-based words
p = sim.load_proposal(sim.example_path())
r = engine.run([p], sim.load_policy(), draws=4, seed=5, raw=True, trajectories=True)
print(json.dumps({k: r.raw[k].values.tolist() for k in ("cost_cny", "fund_at_closure_cny",
                                                        "success", "cover_wall")}))
"""


@pytest.mark.slow
def test_the_model_runs_as_plain_python_and_agrees() -> None:
    """Under NUMBA_DISABLE_JIT=1 the stages and the chunk loop are plain Python (tracebacks,
    pdb, coverage); the results agree with the compiled engine to round-off."""
    import json
    import os
    import subprocess
    import sys

    import numpy as np

    import sim
    from sim import engine

    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PURE_PYTHON], env=env, capture_output=True, text=True, check=True
    )
    plain = json.loads(done.stdout.strip().splitlines()[-1])
    p = sim.load_proposal(sim.example_path())
    r = engine.run([p], sim.load_policy(), draws=4, seed=5, raw=True, trajectories=True)
    for k, v in plain.items():
        np.testing.assert_allclose(
            np.array(v, dtype=float), r.raw[k].values.astype(float), rtol=1e-9, err_msg=k
        )
