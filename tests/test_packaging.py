"""Packaging and process behaviour: declared dependencies, the optional [sweep] extra, pipes."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
# import name -> distribution name, where they differ
DIST_OF = {
    "annotated_types": "annotated-types",
    "SALib": "salib",
    "distributed": "dask",  # dask[distributed]
    "yaml": "pyyaml",
}


def _requirement_names(reqs: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in reqs}


def _third_party_imports(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "sim"}


@pytest.mark.slow
def test_every_import_of_the_package_is_declared():
    """What ``sim`` imports is a dependency or in an extra; nothing declared goes unused."""
    project = PYPROJECT["project"]
    core = _requirement_names(project["dependencies"])
    extras = _requirement_names(
        [r for k, v in project["optional-dependencies"].items() if k != "test" for r in v]
    )
    imported = {DIST_OF.get(n, n).lower() for n in _third_party_imports(ROOT / "sim")}
    assert imported - core - extras == set()
    # every core dependency is used (h5netcdf is xarray's NetCDF engine, named by string, and
    # h5py its HDF5 backend, which h5netcdf >= 1.4 no longer installs by itself)
    assert core - imported - {"h5netcdf", "h5py"} == set()


@pytest.mark.slow
def test_core_features_import_only_core_dependencies():
    """What a core install offers (all of ``sim`` but ``sim.sweep`` and the raster reader of
    ``sim.monitor``) imports only core dependencies: an extra must not hold a core import."""
    project = PYPROJECT["project"]
    core = _requirement_names(project["dependencies"])
    outside = set()
    for path in (ROOT / "sim").rglob("*.py"):
        rel = path.relative_to(ROOT / "sim").as_posix()
        if rel.startswith("sweep/") or rel == "monitor/rasters.py" or rel == "monitor/synthetic.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module.split(".")[0]]
            outside |= {
                (rel, n)
                for n in names
                if n not in sys.stdlib_module_names
                and n != "sim"
                and DIST_OF.get(n, n).lower() not in core
            }
    assert outside == set()


def test_sweep_packages_are_an_extra_not_a_core_dependency():
    core = _requirement_names(PYPROJECT["project"]["dependencies"])
    sweep = _requirement_names(PYPROJECT["project"]["optional-dependencies"]["sweep"])
    assert {"dask", "zarr", "salib"} <= sweep
    assert not ({"dask", "zarr", "salib", "distributed"} & core)


@pytest.mark.parametrize("command", ["sweep", "sweep-report"])
def test_sweep_without_the_extra_names_the_install_command(command, monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "zarr", None)  # as if zarr were not installed
    argv = [command, str(ROOT / "scenarios" / "sweeps" / "assurance-threshold.toml")]
    argv += ["--out", str(tmp_path / "x")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "zarr" in err and 'pip install "restoresim[sweep]"' in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_core_commands_do_not_import_the_sweep_or_geometry_packages():
    """``evaluate`` of an application without a boundary loads neither the sweep packages nor
    shapely, pyproj and GDAL (a lean, quick start-up)."""
    code = (
        "import sys, io, contextlib\n"
        "from sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = main(['evaluate', '--draws', '50', '--no-conditions'])\n"
        "heavy = ('zarr', 'SALib', 'distributed', 'shapely', 'pyproj', 'pyogrio', 'rioxarray')\n"
        "print(rc, sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    assert out.stdout.split("\n")[0] == "0 []"


@pytest.mark.slow
def test_closed_pipe_is_a_quiet_success():
    """``restoresim evaluate --json | head -c 1``: the reader leaves early; exit 0, no message."""
    with subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "evaluate", "--json", "--draws", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before anything is written
        err = proc.stderr.read().decode()
        rc = proc.wait(timeout=600)
    assert rc == 0, err
    assert "error" not in err and "Traceback" not in err


def test_a_slow_first_kernel_call_says_it_is_compiling():
    """The notice is written when the block outlasts its delay, and only then."""
    import io
    import time

    from sim.engine import notice_if_slow

    slow, quick = io.StringIO(), io.StringIO()
    with notice_if_slow("compiling", 0.05, slow):
        time.sleep(0.5)
    with notice_if_slow("compiling", 5.0, quick):
        pass
    assert slow.getvalue() == "compiling\n" and quick.getvalue() == ""


def test_the_compile_notice_speaks_the_callers_language(monkeypatch):
    """The notice is written from a watcher thread, which does not see the caller's language:
    it is translated before the thread starts."""
    import io
    import time

    from sim import engine
    from sim.i18n import use_lang

    out = io.StringIO()
    monkeypatch.setattr(engine, "_first_call_done", False)
    monkeypatch.setattr(engine, "COMPILE_NOTICE_S", 0.05)
    monkeypatch.setattr(engine.sys, "stderr", out)
    monkeypatch.setattr(out, "isatty", lambda: True, raising=False)
    with use_lang("zh"), engine._first_call_notice():
        time.sleep(0.5)
    assert out.getvalue().startswith("restoresim：正在编译计算内核")


def test_a_missing_extra_is_named_in_the_reviewers_language(monkeypatch, capsys, tmp_path):
    """Under $RESTORESIM_LANG=zh the missing-extra error is Chinese, with the install command
    as it is typed."""
    monkeypatch.setitem(sys.modules, "zarr", None)
    monkeypatch.setenv("RESTORESIM_LANG", "zh")
    argv = ["sweep", str(ROOT / "scenarios" / "sweeps" / "assurance-threshold.toml")]
    argv += ["--out", str(tmp_path / "x")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "政策情景分析需要可选软件包 zarr" in err and 'pip install "restoresim[sweep]"' in err
