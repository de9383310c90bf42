"""The model's compiled functions are cached under a stamp of all the model's sources."""

from __future__ import annotations

from pathlib import Path

from sim import kernel
from sim.model import _compile


def test_kernel_functions_use_the_model_stamped_cache() -> None:
    for fn in (kernel.simulate_chunk, kernel.draw_inputs, kernel.yearly_uniforms):
        locator = fn._cache._impl.locator
        assert isinstance(locator, _compile._ModelStampMixin), type(locator)
        assert locator.get_source_stamp()[1] == _compile.model_source_stamp()


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
