"""Issue #17: the adversarial corpus. Each test reproduces one finding of the review (its item
number in the name) with files made here, in tmp_path; the README's threat model lists what
they guarantee together.
"""

from __future__ import annotations

import copy
import csv
import http.server
import json
import math
import os
import signal
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import shapely
from conftest import EXAMPLE_DATA
from pyogrio.raw import write as ogr_write

import sim
from sim.cli import main
from sim.errors import InputError
from sim.proposal import parse_proposal
from sim.report.appendix import flatten

LONLAT_BOX = [
    [111.9146877, 27.6009016],
    [111.9197525, 27.600901],
    [111.9197531, 27.6045107],
    [111.9146882, 27.6045113],
    [111.9146877, 27.6009016],
]
FAST = ["--draws", "40"]


def geojson(coords: list[list[float]] = LONLAT_BOX) -> str:
    geom = {"type": "Polygon", "coordinates": [coords]}
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": geom}]})  # fmt: skip


def proposal_data(pid: str = "HN-T-1", **changes: Any) -> dict[str, Any]:
    """The packaged example with ``{"section.key": value}`` changes (value None: removed)."""
    data = copy.deepcopy(EXAMPLE_DATA)
    data["proposal"]["id"] = pid
    for dotted, value in changes.items():
        section, key = dotted.split(".")
        if value is None:
            data.get(section, {}).pop(key, None)
        else:
            data.setdefault(section, {})[key] = value
    return data


def write_proposal(folder: Path, name: str = "p.json", boundary: str | None = None, **kw) -> Path:
    data = proposal_data(**kw)
    if boundary is not None:
        data["location"] = {"boundary": boundary}
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def summary_rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((out / "summary.csv").read_text(encoding="utf-8").splitlines()))


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


# ------------------------------------------------------------------------------------------
# High


class _Server(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Server.hits.append(self.path)
        body = geojson().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        _Server.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def web_server():
    _Server.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Server.hits
    server.shutdown()
    server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["b.vrt", "b.geojson"])
def test_1_boundary_cannot_make_restoresim_fetch_a_url(capsys, tmp_path, web_server, name):
    url, hits = web_server
    vrt = (
        f'<OGRVRTDataSource><OGRVRTLayer name="b"><SrcDataSource>/vsicurl/{url}/b.geojson'
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    (tmp_path / name).write_text(vrt, encoding="utf-8")
    p = write_proposal(tmp_path, boundary=name)
    rc, _out, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
    assert rc == 2, err
    assert name in err and "GeoJSON" in err
    assert hits == []


def test_1_geojson_crs_link_is_neither_fetched_nor_read(capsys, tmp_path, web_server):
    import pyogrio

    from sim.spatial.files import GDAL_CONFIG

    url, hits = web_server
    doc = json.loads(geojson())
    doc["crs"] = {"type": "link", "properties": {"href": f"{url}/crs.wkt", "type": "ogcwkt"}}
    (tmp_path / "b.geojson").write_text(json.dumps(doc), encoding="utf-8")
    p = write_proposal(tmp_path, boundary="b.geojson")
    rc, _out, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
    assert rc == 2 and "link" in err, err
    pyogrio.set_gdal_config_options(GDAL_CONFIG)  # and GDAL itself reaches no server
    pyogrio.read_info(tmp_path / "b.geojson")
    assert hits == []


def test_1_boundary_must_lie_in_the_application_folder(capsys, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (tmp_path / "outside.geojson").write_text(geojson(), encoding="utf-8")
    (app / "link.geojson").symlink_to(tmp_path / "outside.geojson")
    for boundary in ("../outside.geojson", str(tmp_path / "outside.geojson"), "link.geojson"):
        p = write_proposal(app, boundary=boundary)
        rc, _out, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
        assert rc == 2, (boundary, err)
        assert "inside the application's folder" in err, err
    (app / "ok.geojson").write_text(geojson(), encoding="utf-8")
    p = write_proposal(app, boundary="ok.geojson")
    assert run(capsys, "evaluate", p, *FAST, "--no-conditions")[0] == 0


def _swapped() -> list[list[float]]:
    return [[y, x] for x, y in LONLAT_BOX]


@pytest.mark.slow
def test_2_one_bad_application_does_not_stop_the_batch(capsys, tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "a-swapped.geojson").write_text(geojson(_swapped()), encoding="utf-8")
    write_proposal(queue, "a-swapped.json", boundary="a-swapped.geojson", pid="HN-T-A")
    write_proposal(queue, "b-good.json", pid="HN-T-B")
    out = tmp_path / "out"
    rc, _o, err = run(capsys, "batch", queue, "--out", out, *FAST)
    assert rc == 0, err
    rows = summary_rows(out)
    by = {r["source"]: r for r in rows}
    assert by["a-swapped.json"]["verdict"] == "invalid"
    assert "swapped" in by["a-swapped.json"]["error"]
    assert by["b-good.json"]["verdict"] in ("approve", "conditional", "reject")
    assert run(capsys, "batch", queue, "--out", out, *FAST, "--resume", "--strict")[0] == 2


@pytest.mark.slow
def test_2_csv_row_with_a_missing_boundary_is_listed(capsys, tmp_path):
    queue = tmp_path / "queue.csv"
    rows = []
    for pid, boundary in (("HN-T-A", "missing.geojson"), ("HN-T-B", "")):
        flat = flatten(proposal_data(pid))
        flat["location.boundary"] = boundary
        rows.append(flat)
    with queue.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "out"
    rc, _o, err = run(capsys, "batch", queue, "--out", out, *FAST)
    assert rc == 0, err
    got = summary_rows(out)
    assert got[0]["verdict"] == "invalid" and "missing.geojson" in got[0]["error"]
    assert got[1]["verdict"] != "invalid"


def test_3_inputs_hash_covers_the_bytes_of_boundary_and_layers(tmp_path):
    from sim.params import load_library
    from sim.report import inputs_sha256

    (tmp_path / "b.geojson").write_text(geojson(), encoding="utf-8")
    (tmp_path / "red.geojson").write_text(geojson(), encoding="utf-8")
    p = sim.load_proposal(write_proposal(tmp_path, boundary="b.geojson"))
    pol_file = tmp_path / "policy.toml"
    pol_file.write_text(
        '[[layers]]\nname = "red"\npath = "red.geojson"\nrule = "no_overlap"\n', encoding="utf-8"
    )
    policy = sim.load_policy(pol_file)
    lib = load_library()
    first = inputs_sha256(p, policy, lib)
    moved = [[x + 0.01, y] for x, y in LONLAT_BOX]
    (tmp_path / "red.geojson").write_text(geojson(moved), encoding="utf-8")
    second = inputs_sha256(p, policy, lib)
    (tmp_path / "b.geojson").write_text(geojson(moved), encoding="utf-8")
    third = inputs_sha256(p, policy, lib)
    assert len({first, second, third}) == 3


@pytest.mark.slow
def test_3_resume_redoes_an_application_whose_layer_changed(capsys, tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "b.geojson").write_text(geojson(), encoding="utf-8")
    write_proposal(queue, boundary="b.geojson")
    (tmp_path / "red.geojson").write_text(geojson(), encoding="utf-8")
    pol = tmp_path / "policy.toml"
    pol.write_text(
        '[[layers]]\nname = "red"\npath = "red.geojson"\nrule = "no_overlap"\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    assert run(capsys, "batch", queue, "--out", out, "--policy", pol, *FAST)[0] == 0
    record = json.loads((out / "verdicts" / "HN-T-1.json").read_text(encoding="utf-8"))
    assert record["verdict"]["verdict"] == "reject"
    far = [[x + 0.5, y] for x, y in LONLAT_BOX]
    (tmp_path / "red.geojson").write_text(geojson(far), encoding="utf-8")
    rc, _o, err = run(capsys, "batch", queue, "--out", out, "--policy", pol, *FAST, "--resume")
    assert rc == 0 and "1 evaluated, 0 resumed" in err
    record = json.loads((out / "verdicts" / "HN-T-1.json").read_text(encoding="utf-8"))
    overlap = next(c for c in record["verdict"]["criteria"] if c["name"] == "protected_overlap")
    assert overlap["passed"] is True


# ------------------------------------------------------------------------------------------
# Medium


def test_4_embedded_json_cannot_break_the_page():
    from sim.report.html import script_json

    text = script_json({"name": "<!--<script>x</script>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "<!--<script>x</script>&"}


@pytest.mark.slow
def test_4_report_of_a_hostile_name_keeps_its_content(tmp_path):
    from sim.report import build_report

    p = parse_proposal(proposal_data(**{"proposal.name": "<!--<script>"}), "<t>")
    _data, html = build_report(p, sim.load_policy(), draws=40, sensitivity_draws=None)
    _head, _sep, tail = html.partition('id="verdict-json">')
    assert "<!--" not in tail.split("</script>", 1)[0]
    assert "&lt;!--&lt;script&gt;" in html


def test_5_summary_csv_carries_no_formulas_or_control_bytes():
    from sim.batch import COLUMNS, summary_csv

    rows = []
    for bad in ('=HYPERLINK("http://x","y")', "=1+2", "=cmd|' /C calc'!A0", "+1", "@SUM(1)"):
        row = dict.fromkeys(COLUMNS, "")
        row.update(id=bad, source=bad, verdict="invalid", error=f"bad\x1b[31m\x07\r{bad}")
        rows.append(row)
    row = dict.fromkeys(COLUMNS, "")
    row.update(id="HN-1", verdict="approve", cost_p50_cny=-1.5)
    rows.append(row)
    parsed = list(csv.DictReader(summary_csv(rows).splitlines()))
    for r in parsed[:-1]:
        for v in r.values():
            assert not v or v[0] not in "=+-@\t\r", v
            assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in v), repr(v)
    assert parsed[-1]["cost_p50_cny"] == "-1.5"  # numbers stay numbers


def test_6_zip_boundary_is_refused(capsys, tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "b.zip", "w") as z:
        z.writestr("b.geojson", geojson())
    p = write_proposal(tmp_path, boundary="b.zip")
    rc, _o, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
    assert rc == 2 and "b.zip" in err and ".geojson" in err


def test_6_boundary_size_and_vertices_are_bounded(capsys, tmp_path, monkeypatch):
    import sim.safeio

    n = 2_000
    t = np.linspace(0, 2 * np.pi, n)
    ring = [[111.9 + 0.001 * math.cos(a), 27.6 + 0.001 * math.sin(a)] for a in t[:-1]]
    (tmp_path / "b.geojson").write_text(geojson([*ring, ring[0]]), encoding="utf-8")
    p = write_proposal(tmp_path, boundary="b.geojson")
    monkeypatch.setattr(sim.safeio, "MAX_BOUNDARY_VERTICES", 500)
    rc, _o, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
    assert rc == 2 and "vertices" in err and "500" in err
    monkeypatch.setattr(sim.safeio, "MAX_BOUNDARY_VERTICES", 200_000)
    monkeypatch.setattr(sim.safeio, "MAX_BOUNDARY_BYTES", 1000)
    rc, _o, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
    assert rc == 2 and "b.geojson" in err and "allowed" in err


def test_6_huge_extent_is_refused_before_densifying(capsys, tmp_path):
    big = [[0, 0], [1e12, 0], [1e12, 1e12], [0, 1e12], [0, 0]]
    doc = json.loads(geojson(big))
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:4546"}}
    (tmp_path / "b.geojson").write_text(json.dumps(doc), encoding="utf-8")
    p = write_proposal(tmp_path, boundary="b.geojson")
    rc, _o, err = run(capsys, "evaluate", p, *FAST, "--no-conditions")
    assert rc == 2, err
    assert "b.geojson" in err


SPEC = """[sweep]
name = "big"
seed = 0
draws = 10
[portfolio]
files = ["p.json"]
[sampler]
method = "full_factorial"
levels = 101
"""


def test_7_sweep_design_size_is_checked_before_anything_is_built(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    write_proposal(tmp_path)
    uncs = "".join(
        f'[[uncertainties]]\nname = "u{i}"\nscale_parameters = ["{name}"]\n'
        'distribution = "uniform"\nlow = 0.9\nhigh = 1.1\n'
        for i, name in enumerate(SWEEP_PARAMS)
    )
    spec.write_text(SPEC + uncs, encoding="utf-8")
    rc, _o, err = run(capsys, "sweep", spec, "--out", tmp_path / "store", "--no-progress")
    assert rc == 2, err
    assert "--force" in err and "101" in err
    assert not (tmp_path / "store").exists()


def test_7_design_estimate_counts_the_product():
    from sim.sweep.spec import parse_spec

    spec_data = {
        "sweep": {"name": "x", "seed": 0, "draws": 10},
        "portfolio": {"synthetic": 10},
        "levers": [
            {"policy": "criteria.assurance.threshold", "low": 0.5, "high": 0.99, "num": 1000},
            {"policy": "criteria.success_probability.threshold", "low": 0.5, "high": 0.99,
             "num": 1000},
        ],
    }  # fmt: skip
    from sim.sweep.design import estimate_size

    spec = parse_spec(spec_data, "<t>")
    est = estimate_size(spec, n_proposals=1000)
    assert est.policies == 1_000_000 and est.scenarios == 1
    assert est.results >= 1_000_000 * 1000


class Hang(BaseException):
    """Raised by the watchdog: the command blocked."""


@pytest.fixture
def watchdog():
    """Fail (instead of hanging the suite) when a command blocks for 60 s."""

    def fire(*_a: Any) -> None:
        raise Hang

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.slow
def test_8_special_files_are_refused_without_hanging(capsys, tmp_path, watchdog):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        rc, _o, err = run(capsys, "evaluate", path)
        assert rc == 2 and path.name in err and "regular file" in err, err
    queue = tmp_path / "queue"
    queue.mkdir()
    os.mkfifo(queue / "a.toml")
    write_proposal(queue, "b.json")
    rc, _o, err = run(capsys, "batch", queue, "--out", tmp_path / "out", *FAST)
    assert rc == 0 and "a.toml" in err and "FIFO" in err


def test_8_boundary_fifo_is_refused(capsys, tmp_path, watchdog):
    os.mkfifo(tmp_path / "b.geojson")
    p = write_proposal(tmp_path, boundary="b.geojson")
    rc, _o, err = run(capsys, "evaluate", p, *FAST)
    assert rc == 2 and "FIFO" in err


@pytest.mark.parametrize(
    "field",
    ["extraction.mined_thickness_m", "extraction.dump_height_m", "site.final_highwall_slope_deg"],
)
def test_9_tiny_values_are_refused(capsys, tmp_path, field):
    p = write_proposal(tmp_path, **{field: 1e-308})
    rc, _o, err = run(capsys, "evaluate", p, *FAST)
    assert rc == 2 and field.split(".")[1] in err and "must be >=" in err, err


@pytest.mark.slow
def test_9_tiny_values_in_any_field_give_numbers_or_bad_input():
    from sim.cli import format_verdict

    numeric = [
        f"{section}.{key}"
        for section, table in EXAMPLE_DATA.items()
        for key, v in table.items()
        if isinstance(v, float | int) and not isinstance(v, bool)
    ]
    assert len(numeric) > 15
    for field in numeric:
        for tiny in (1e-308, 5e-324):
            try:
                p = parse_proposal(proposal_data(**{field: tiny}), "<t>")
            except InputError:
                continue
            v = sim.evaluate([p], draws=20, conditions=False).verdicts[0]
            for c in v["criteria"]:
                assert not (c["passed"] and c["value"] is None), (field, c["name"])
            nulls = [k for k, x in v["metrics"].items() if x is None]
            assert not nulls, (field, tiny, nulls)
            format_verdict(v)


def test_9_a_criterion_never_passes_on_a_non_finite_value():
    from sim.spatial.geometry import criterion

    for value in (math.nan, math.inf, -math.inf):
        c = criterion("x", value, 1.0, "<=", True, "e")
        assert c["passed"] is False and c["margin"] is None
    assert criterion("x", 0.5, math.nan, "<=", True, "e")["passed"] is False


def test_9_text_output_shows_missing_numbers_as_na():
    from sim.cli import format_verdict

    p = parse_proposal(proposal_data(), "<t>")
    v = sim.evaluate([p], draws=40, conditions=False).verdicts[0]
    v["metrics"] = dict.fromkeys(v["metrics"], None) | {"life_years": 0, "horizon_years": 0}
    text = format_verdict(v)
    assert "restoration cost           P50 n/a" in text
    assert "financial assurance        probability n/a" in text


@pytest.mark.slow
def test_10_batch_leaves_the_users_tmp_files_alone(capsys, tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    write_proposal(queue)
    out = tmp_path / "out"
    for sub in ("", "reports", "verdicts"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        (out / sub / ".mine.tmp").write_text("keep", encoding="utf-8")
    rc, _o, err = run(capsys, "batch", queue, "--out", out, *FAST, "--resume")
    assert rc == 0, err
    for sub in ("", "reports", "verdicts"):
        assert (out / sub / ".mine.tmp").read_text(encoding="utf-8") == "keep"


def test_11_condition_search_memory_is_bounded_in_draws(monkeypatch):
    import sim.engine
    import sim.feasibility as feas

    seen: list[tuple[int, bool]] = []
    real = sim.engine.run

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append((kw["draws"], bool(kw.get("raw"))))
        return real(*args, **kw)

    monkeypatch.setattr(sim.engine, "run", spy)
    monkeypatch.setattr(feas, "MAX_RAW_DRAWS", 64)
    p = parse_proposal(proposal_data(), "<t>")
    ev = sim.evaluate([p], draws=200, seed=0)
    v = ev.verdicts[0]
    assert v["verdict"] == "conditional" and v["conditions"]
    raw = [d for d, r in seen if r]
    assert raw and max(raw) <= 64
    assert v["condition_draws"] == 64


# ------------------------------------------------------------------------------------------
# Low


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize("depth", [100, 1000, 5000])
def test_12_deep_nesting_is_bad_input(capsys, tmp_path, depth):
    toml = tmp_path / "p.toml"
    toml.write_text(f"[proposal]\nid = {_nested(depth)}\n", encoding="utf-8")
    pol = tmp_path / "pol.json"
    pol.write_text(f'{{"policy": {{"name": {_nested(depth)}}}}}', encoding="utf-8")
    spec = tmp_path / "spec.toml"
    spec.write_text(f"[sweep]\nname = {_nested(depth)}\n", encoding="utf-8")
    sweep = ["sweep", spec, "--out", tmp_path / "store"]
    for args in (["evaluate", toml], ["evaluate", "--policy", pol], sweep):
        rc, _o, err = run(capsys, *args)
        assert rc == 2, err
        assert "nested" in err


def test_13_list_valued_parameter_override_is_bad_input(capsys):
    rc, _o, err = run(capsys, "evaluate", "--param", "cost.wall_slope_edges=40", *FAST)
    assert rc == 2 and "cost.wall_slope_edges" in err and "list" in err, err


def test_14_temp_files_are_ours_and_stale_ones_are_cleaned(tmp_path):
    from sim.outputs import atomic_write_text, clean_stale_temp_files, is_own_temp, temp_path

    mine = tmp_path / ".x.tmp"
    mine.write_text("user's")
    live = temp_path(tmp_path / "a.txt")
    dead = tmp_path / f".a.txt.restoresim-{2**22 + 12345}-abc123.tmp"
    dead.write_text("left by a killed run")
    assert is_own_temp(live) and is_own_temp(dead) and not is_own_temp(mine)
    assert clean_stale_temp_files(tmp_path) == 1
    assert mine.exists() and live.exists() and not dead.exists()
    atomic_write_text(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").read_text() == "x"


def test_14_sigterm_removes_temp_files_like_ctrl_c(tmp_path):
    from sim.outputs import atomic_write, terminate_as_interrupt

    old = signal.getsignal(signal.SIGTERM)
    terminate_as_interrupt()
    try:

        def write(tmp: Path) -> None:
            tmp.write_text("half")
            os.kill(os.getpid(), signal.SIGTERM)

        with pytest.raises(KeyboardInterrupt):
            atomic_write(tmp_path / "r.html", write)
    finally:
        signal.signal(signal.SIGTERM, old)
    assert list(tmp_path.iterdir()) == []


def test_14_sigterm_stops_a_command_like_ctrl_c(capsys, tmp_path, monkeypatch):
    import xarray as xr

    def killed(self: Any, path: Any, *a: Any, **kw: Any) -> Any:
        Path(path).write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", killed)
    before = signal.getsignal(signal.SIGTERM)
    rc, _o, err = run(capsys, "evaluate", "--out", tmp_path / "out", *FAST, "--no-conditions")
    assert rc == 130 and "interrupted" in err
    assert list((tmp_path / "out").iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_14_interrupted_evaluate_out_never_mixes_old_and_new(capsys, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run(capsys, "evaluate", "--out", out, *FAST, "--no-conditions")[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import xarray as xr

    real = xr.Dataset.to_netcdf
    calls = [0]

    def failing(self: Any, path: Any, *a: Any, **kw: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt
        return real(self, path, *a, **kw)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", failing)
    rc, _o, _e = run(capsys, "evaluate", "--out", out, "--force", "--seed", "1", *FAST,
                     "--no-conditions")  # fmt: skip
    assert rc == 130
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before


def test_14_sweep_store_temp_folder_is_named_as_ours(tmp_path, monkeypatch):
    from sim.outputs import is_own_temp
    from sim.sweep import store

    made: list[Path] = []
    real = store.temp_path

    def spy(path: Path, **kw: Any) -> Path:
        made.append(real(path, **kw))
        return made[-1]

    monkeypatch.setattr(store, "temp_path", spy)
    spec = tmp_path / "spec.toml"
    write_proposal(tmp_path)
    spec.write_text(SPEC.replace("levels = 101", "levels = 1"), encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--no-progress"]) == 0
    assert made and all(is_own_temp(p) for p in made)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_15_unwritable_out_is_found_before_the_work(capsys, monkeypatch):
    import sim.api
    import sim.report

    def boom(*a: Any, **k: Any) -> Any:
        raise AssertionError("computed before checking --out")

    monkeypatch.setattr(sim.api, "evaluate", boom)
    monkeypatch.setattr(sim.report, "build_report", boom)
    for args in (["evaluate", "--out", "/sys"], ["report", sim.example_path(), "--out",
                                                  "/sys/r.html"]):  # fmt: skip
        rc, _o, err = run(capsys, *args)
        assert rc == 2, err
        assert ".tmp" not in err and "/sys" in err


def _gpkg(path: Path, layers: dict[str, shapely.Geometry]) -> None:
    for i, (name, geom) in enumerate(layers.items()):
        ogr_write(
            str(path),
            geometry=np.array([shapely.to_wkb(geom)], dtype=object),
            field_data=[],
            fields=[],
            layer=name,
            driver="GPKG",
            crs="EPSG:4326",
            geometry_type="Polygon",
            append=i > 0,
        )


def test_16_multi_layer_boundary_is_refused_naming_its_layers(capsys, tmp_path):
    decoy = shapely.Polygon([[x + 1.0, y] for x, y in LONLAT_BOX])
    _gpkg(tmp_path / "b.gpkg", {"decoy": decoy, "real": shapely.Polygon(LONLAT_BOX)})
    p = write_proposal(tmp_path, boundary="b.gpkg")
    rc, _o, err = run(capsys, "evaluate", p, *FAST)
    assert rc == 2 and "'decoy'" in err and "'real'" in err, err


def test_17_control_characters_never_reach_the_terminal(capsys, tmp_path):
    p = write_proposal(tmp_path, **{"proposal.name": "evil\x1b[2J\x07\rname"})
    rc, out, err = run(capsys, "evaluate", p, *FAST)
    assert rc == 2 and "control character" in err
    assert "\x1b" not in out + err and "\x07" not in out + err and "\r" not in out + err
    bad = tmp_path / "evil\x1b[31m.toml"
    bad.write_text("[x", encoding="utf-8")
    rc, out, err = run(capsys, "evaluate", bad)
    assert rc == 2 and "\x1b" not in err


def test_18_messages(capsys, tmp_path):
    p = tmp_path / "big.toml"
    text = (Path(sim.example_path())).read_text(encoding="utf-8")
    p.write_text(text.replace("reserves_mt = ", "reserves_mt = 1" + "0" * 400 + " #"),
                 encoding="utf-8")  # fmt: skip
    rc, _o, err = run(capsys, "evaluate", p)
    assert rc == 2 and "too large" in err and "got an integer" not in err, err

    (tmp_path / "b.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
                    "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
                        [500000, 3050000], [501000, 3050000], [501000, 3051000],
                        [500000, 3050000]]]}}]}), encoding="utf-8")  # fmt: skip
    prop = write_proposal(tmp_path, boundary="b.geojson")
    pol = tmp_path / "pol.toml"
    pol.write_text('[spatial]\ndefault_crs = "EPSG:4490"\n', encoding="utf-8")
    rc, _o, err = run(capsys, "evaluate", prop, "--policy", pol, *FAST)
    assert rc == 2 and "default_crs" in err and "the CRS it states" not in err, err

    p = write_proposal(tmp_path, "bond.json", **{"finance.bond_cny": -0.0})
    rc, out, _e = run(capsys, "evaluate", p, *FAST)
    assert rc == 0 and "-0.00" not in out


def test_18_empty_values_message():
    from sim.sweep.spec import parse_spec

    data = {
        "sweep": {"name": "x", "seed": 0, "draws": 10},
        "portfolio": {"synthetic": 10},
        "levers": [{"policy": "criteria.assurance.threshold", "values": []}],
    }
    with pytest.raises(InputError) as exc:
        parse_spec(data, "<t>")
    assert "too_short" not in str(exc.value) and "at least one item" in str(exc.value)


@pytest.mark.slow
def test_18_second_sweep_on_one_store_names_the_store(tmp_path):
    from sim.sweep import store
    from sim.sweep.design import build_design
    from sim.sweep.spec import load_spec

    spec = tmp_path / "spec.toml"
    write_proposal(tmp_path)
    spec.write_text(SPEC.replace("levels = 101", "levels = 1"), encoding="utf-8")
    design = build_design(load_spec(spec))
    store.create_store(design, tmp_path / "s", 10)
    with pytest.raises(InputError) as exc:
        store.create_store(design, tmp_path / "s", 10)
    assert str(tmp_path / "s") in str(exc.value) and "partial" not in str(exc.value)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_19_sweep_shows_no_bar_in_a_redirected_log(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    write_proposal(tmp_path)
    spec.write_text(SPEC.replace("levels = 101", "levels = 1"), encoding="utf-8")
    rc, _o, err = run(capsys, "sweep", spec, "--out", tmp_path / "s")
    assert rc == 0 and "\r" not in err and "it/s" not in err and "chunk/s" not in err


def test_19_one_long_proposal_shows_progress(monkeypatch, capsys):
    import sim.api

    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    def spy(*a: Any, **kw: Any) -> Any:
        seen.update(kw)
        raise Stop

    monkeypatch.setattr(sim.api, "evaluate", spy)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    main(["evaluate", "--draws", "200000", "--no-conditions", "--json"])
    assert seen["progress"] is True


SWEEP_PARAMS = [
    "cost.regrade_unit_cost",
    "cost.demolition_unit_cost",
    "cost.drainage_unit_cost",
    "cost.amendment_unit_cost",
    "cost.topsoil_import_unit_cost",
    "cost.topsoil_respread_unit_cost",
    "cost.planting.forest",
    "cost.planting.grassland",
]
