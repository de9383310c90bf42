"""Running a sweep: design first, then tasks streamed into the store, then outcomes.

Local runs use a pool of ``workers`` threads: a task is mostly the compiled engine, which
releases the GIL (its proposals come from the design's columns in memory, its criteria are
array operations), so threads share the cores without the start-up of processes or a task
scheduler (the tasks are independent). ``scheduler="tcp://host:8786"``
sends the same tasks to an existing ``dask.distributed`` cluster, whose scheduler and workers
must import ``sim`` (the same version) and see the store's path; a sliding window keeps a few
tasks per worker thread in flight.
Tasks return only two counts; all results go straight into the store, so memory holds no more
than the tasks in flight. A killed sweep resumes with ``resume=True``: the design is read back
from the store and only tasks not marked done run again (a half-written chunk is rewritten
whole), which gives exactly the store an uninterrupted sweep writes.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.i18n import _
from sim.portfolio import Portfolio, as_portfolio
from sim.sweep import store as st
from sim.sweep.design import Design, build_design
from sim.sweep.spec import SweepSpec, load_spec
from sim.sweep.tasks import Task, compute_task, open_arrays, run_task, write_result
from sim.version import __version__

#: proposals per task by default: about :data:`TASKS_PER_RUN` tasks per engine run, each of
#: at least :data:`MIN_CHUNK_PROPOSALS` and at most :data:`MAX_CHUNK_PROPOSALS` proposals (large
#: tasks keep the per-task work, reading and writing the store, small beside the engine's; 8
#: rather than 16 cut the sweep benchmark's wall time with two workers by about 4 %)
TASKS_PER_RUN = 8
MIN_CHUNK_PROPOSALS = 250
MAX_CHUNK_PROPOSALS = 2_000
WORKER_TIMEOUT_S = 120


@dataclass
class SweepRun:
    """What :func:`run_sweep` did."""

    store: Path
    tasks_total: int
    tasks_run: int
    proposals_evaluated: int
    proposal_draw_years: int
    wall_seconds: float
    design_seconds: float
    resumed: bool

    def text(self) -> str:
        """A one-paragraph summary for the command line."""
        rate = self.proposal_draw_years / self.wall_seconds if self.wall_seconds > 0 else 0.0
        head = "resumed; " if self.resumed else f"design {self.design_seconds:,.1f} s; "
        return (
            f"{self.store}: {head}{self.tasks_run} of {self.tasks_total} tasks run; "
            f"{self.wall_seconds:,.1f} s in all ({self.proposals_evaluated:,} proposal runs, "
            f"{self.proposal_draw_years:,} proposal-draw-years, {rate:,.0f} per second)"
        )


def default_chunk_proposals(n: int) -> int:
    """Proposals per task for a portfolio of ``n`` (see :data:`TASKS_PER_RUN`)."""
    return int(min(MAX_CHUNK_PROPOSALS, max(MIN_CHUNK_PROPOSALS, -(-n // TASKS_PER_RUN))))


def _tasks(
    design: Design,
    path: Path,
    chunk_proposals: int,
    pending: np.ndarray,
    n: int,
    portfolio: Portfolio | None = None,
    arrays: dict[str, Any] | None = None,
) -> list[Task]:
    """The pending tasks; ``n`` is the stored portfolio's size. With ``portfolio`` (the design's,
    for tasks run in this process) a task takes its proposals from memory instead of the
    store's tables (the same proposals: the store's are written from it); with ``arrays``
    (:func:`sim.sweep.tasks.open_arrays`) the tasks share the store's arrays opened once."""
    spec = design.spec
    out = []
    for r in range(design.n_runs):
        run = None
        for c in np.flatnonzero(pending[r]):
            run = run or design.run(r)
            out.append(
                Task(
                    store=str(path),
                    run=run,
                    chunk=int(c),
                    chunk_proposals=chunk_proposals,
                    n_proposals=n,
                    draws=spec.sweep.draws,
                    seed=spec.sweep.seed,
                    portfolio=portfolio,
                    arrays=arrays,
                )
            )
    return out


def _execute_local(
    tasks: Sequence[Task],
    workers: int,
    arrays: dict[str, Any],
    tick: Callable[[Any], None],
) -> None:
    """Run ``tasks`` on ``workers`` threads of this process, writing each result into the
    store (``arrays``, :func:`sim.sweep.tasks.open_arrays`) from this thread while the workers
    compute the next, and calling ``tick`` with its counts. The tasks' time is the compiled
    engine's, which releases the GIL, so threads share the cores with no start-up and no
    scheduler (the tasks are independent). One task per worker is in flight; the first failure
    (or Ctrl-C) starts no other task and is raised once the running ones end (a result is
    written whole, then marked done, so none is left half-written)."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    workers = max(1, workers)
    queue = iter(tasks)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep") as pool:
        running = {pool.submit(compute_task, t) for t in itertools.islice(queue, workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                res = fut.result()  # raises the task's error; the pool waits for the others
                task = next(queue, None)
                if task is not None:  # the worker starts on the next while this one is written
                    running.add(pool.submit(compute_task, task))
                tick(write_result(arrays, res))


def _connect(address: str) -> Any:
    """A client of the cluster at ``address`` with at least one worker."""
    from distributed import Client

    try:
        client = Client(address, timeout="20s")
    except OSError as exc:
        raise InputError(
            _("--scheduler {address}: cannot connect ({why})", address=address, why=exc)
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT_S)
    except TimeoutError:
        client.close()
        raise InputError(
            _(
                "--scheduler {address}: no worker joined within {s} s",
                address=address, s=WORKER_TIMEOUT_S,
            )
        ) from None
    return client


def _execute_distributed(tasks: Sequence[Task], client: Any, tick: Callable[[Any], None]) -> None:
    from distributed import as_completed

    # a sliding window of tasks in flight: the scheduler never holds the whole sweep
    window = max(8, 4 * sum(client.nthreads().values()))
    pending = iter(tasks)
    running = as_completed()
    for task in itertools.islice(pending, window):
        running.add(client.submit(run_task, task, key=task.key, pure=False))
    for fut in running:
        tick(fut.result())
        fut.release()
        task = next(pending, None)
        if task is not None:
            running.add(client.submit(run_task, task, key=task.key, pure=False))


def run_sweep(
    spec: SweepSpec | str | Path,
    out: str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    resume: bool = False,
    progress: bool = False,
    chunk_proposals: int | None = None,
    force: bool = False,
) -> SweepRun:
    """Run a sweep into the Zarr store ``out``; see the module docstring.

    ``out`` must not exist unless ``resume`` (a missing store is then started afresh). The
    results are identical whatever ``workers``, ``scheduler`` or ``chunk_proposals``. A design
    above the size limits of :mod:`sim.sweep.design` is refused unless ``force``.
    """
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    path = Path(out)
    if scheduler is not None and workers is not None:
        raise InputError(
            _(
                "--workers {workers}: only for the local scheduler; the cluster at {scheduler} "
                "has its own workers",
                workers=workers, scheduler=scheduler,
            )
        )
    resumed = path.exists()
    if resumed and not resume:
        raise InputError(
            _(
                "--out {path}: already exists; pass --resume to continue that sweep, or choose "
                "another path",
                path=path,
            )
            + (
                _(
                    " (--force allows a design above the size limit; it does not overwrite a "
                    "store: remove the folder to start afresh)"
                )
                if force
                else ""
            )
        )
    if resumed:
        design, n, chunk_proposals = _reopen(spec, path, chunk_proposals)
    else:
        design = build_design(spec, force=force)
        n = len(design.proposals)
        chunk_proposals = chunk_proposals or default_chunk_proposals(n)
    client = _connect(scheduler) if scheduler is not None else None  # fail before writing
    in_memory = None
    try:
        if not resumed:
            st.create_store(design, path, chunk_proposals)
            chunk_proposals = max(1, min(chunk_proposals, n))
            if client is None:  # local threads share the design's portfolio
                in_memory = as_portfolio(design.proposals)
            design.proposals = []  # the store holds the portfolio now; tasks read it there
        t_design = time.perf_counter() - t0
        done = np.asarray(st.open_group(path)["task_done"][...]) == 1
        arrays = open_arrays(str(path)) if client is None else None
        tasks = _tasks(design, path, chunk_proposals, ~done, n, in_memory, arrays)
        counts = [0, 0]
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(
                total=int(done.size), initial=int(done.sum()), unit="chunk", desc="sweep",
                file=sys.stderr, smoothing=0.05, dynamic_ncols=True,
            )  # fmt: skip

        def tick(result: Any) -> None:
            counts[0] += int(result[0])
            counts[1] += int(result[1])
            if bar is not None:
                bar.update()

        try:
            if tasks and client is None:
                _execute_local(tasks, workers or os.cpu_count() or 1, arrays, tick)  # type: ignore[arg-type]
            elif tasks:
                _execute_distributed(tasks, client, tick)
        finally:
            if bar is not None:
                bar.close()
    finally:
        if client is not None:
            client.close()
    st.finalize(path)
    return SweepRun(
        store=path,
        tasks_total=int(done.size),
        tasks_run=len(tasks),
        proposals_evaluated=counts[0],
        proposal_draw_years=counts[1],
        wall_seconds=time.perf_counter() - t0,
        design_seconds=t_design,
        resumed=resumed,
    )


def _reopen(spec: SweepSpec, path: Path, chunk_proposals: int | None) -> tuple[Design, int, int]:
    """The design of the store at ``path``, checked against ``spec`` and this version."""
    g = st.open_group(path)
    if g.attrs.get("spec") != spec.canonical():
        raise InputError(
            _(
                "--out {path}: was made from a different spec (sha256 {sha}); resume it with the "
                "spec it was made from, or choose another path",
                path=path, sha=str(g.attrs.get("spec_sha256"))[:12],
            )
        )
    if g.attrs.get("version") != __version__:
        raise InputError(
            _(
                "--out {path}: was made by restoresim {made}; this is {this}, whose results "
                "could differ: finish it with that version",
                path=path, made=g.attrs.get("version"), this=__version__,
            )
        )
    if g.attrs.get("layout", 1) != st.LAYOUT:
        raise InputError(
            _(
                "--out {path}: was made by an earlier restoresim, whose store keeps the proposals "
                "as JSON; finish it with that version, or start afresh in another folder",
                path=path,
            )
        )
    stored_metrics = [str(m) for m in np.asarray(g["metric"][...])]
    if stored_metrics != list(st.SUMMARY_FIELDS):
        raise InputError(
            _(
                "--out {path}: stores the summaries {stored}; this restoresim writes {fields}: "
                "finish it with the version that made it",
                path=path, stored=", ".join(stored_metrics), fields=", ".join(st.SUMMARY_FIELDS),
            )
        )
    stored_cp = int(g["task_done"].attrs["chunk_proposals"])
    if chunk_proposals is not None and chunk_proposals != stored_cp:
        raise InputError(
            _(
                "--chunk-proposals {n}: the store at {path} is chunked by {stored} proposals; "
                "resume it without --chunk-proposals",
                n=chunk_proposals, path=path, stored=stored_cp,
            )
        )
    design = build_design(spec, [], sample=st.stored_sample(g), force=True)  # accepted before
    policies = json.dumps([p.to_dict() for p in design.policies], sort_keys=True)
    if policies != g.attrs.get("policies"):
        raise InputError(
            _(
                "--out {path}: the policies differ from the stored ones (was the base policy "
                "file {policy} edited?); resume with the same inputs",
                path=path, policy=repr(spec.sweep.policy),
            )
        )
    st.remove_partial_files(path)
    return design, int(g["proposal"].shape[0]), stored_cp
