"""Shared capacity and time of the programme model: SimPy resources owned by small classes.

- :class:`Pool`: design teams, crews, inspector teams; a ``simpy.PriorityResource`` that logs
  units in use and queue length at every request, grant and release.
- :class:`Budget`: funds released in tranches, committed to waiting sites in priority order.
- :class:`WorkCalendar`: calendar days needed for an amount of work when a rainy season slows it.
- :class:`CountingEnvironment`: a SimPy environment that counts the events it processes.
"""

from __future__ import annotations

import heapq

import numpy as np
import simpy

__all__ = ["Budget", "CountingEnvironment", "Pool", "WorkCalendar"]


class WorkCalendar:
    """Calendar days needed for an amount of work when the rainy season slows it.

    Work progresses at rate 1 per day in the dry season and ``rainy_productivity`` per day
    from ``rainy_start`` to ``rainy_end`` (month-day, inclusive) of every year [E: Hunan's
    main flood season, April to June, model.md §7 "a rainy season slows work"].
    """

    def __init__(
        self,
        start: np.datetime64,
        n_days: int,
        rainy_start: str = "04-01",
        rainy_end: str = "06-30",
        rainy_productivity: float = 1.0,
    ) -> None:
        days = np.arange(n_days) + np.datetime64(start, "D")
        months = days.astype("datetime64[M]")
        md = (months.astype(int) % 12 + 1) * 100 + (days - months).astype(int) + 1  # MMDD
        lo = int(rainy_start[:2]) * 100 + int(rainy_start[3:])
        hi = int(rainy_end[:2]) * 100 + int(rainy_end[3:])
        rainy = (md >= lo) & (md <= hi) if lo <= hi else (md >= lo) | (md <= hi)
        rate = np.where(rainy, rainy_productivity, 1.0)
        self.days = np.arange(n_days + 1, dtype=float)
        self.cum = np.concatenate([[0.0], np.cumsum(rate)])

    def finish(self, t0: float, work_days: float) -> float:
        """The day on which ``work_days`` of work started on day ``t0`` is done [d]."""
        if work_days <= 0:
            return t0
        c0 = float(np.interp(t0, self.days, self.cum))
        target = c0 + work_days
        if target >= self.cum[-1]:  # beyond the table: dry-season rate
            return float(self.days[-1] + (target - self.cum[-1]))
        return float(np.interp(target, self.cum, self.days))


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    def __init__(self) -> None:
        super().__init__()
        self.events_processed = 0

    def step(self) -> None:
        self.events_processed += 1
        super().step()


class Pool:
    """Shared capacity (design teams, crews, inspectors): a PriorityResource with a log.

    Every request, grant and release appends (time [d], units in use, requests waiting).
    """

    def __init__(self, env: simpy.Environment, name: str, capacity: int) -> None:
        self.env, self.name, self.capacity = env, name, capacity
        self.resource = simpy.PriorityResource(env, capacity)
        self.log_t: list[float] = [0.0]
        self.log_busy: list[int] = [0]
        self.log_queue: list[int] = [0]

    def _log(self) -> None:
        self.log_t.append(self.env.now)
        self.log_busy.append(self.resource.count)
        self.log_queue.append(len(self.resource.queue))

    def request(self, priority: int) -> simpy.resources.resource.PriorityRequest:
        """Ask for one unit; lower ``priority`` is served first."""
        req = self.resource.request(priority=priority)
        self._log()
        return req

    def granted(self) -> None:
        """Record that a request was granted (call right after ``yield req``)."""
        self._log()

    def release(self, req: simpy.resources.resource.PriorityRequest) -> None:
        """Give a unit back."""
        self.resource.release(req)
        self._log()


class Budget:
    """Programme funds: released in tranches, committed to waiting sites in priority order.

    A waiting site is funded when its whole cost is available; sites are served strictly by
    priority (a site that does not fit waits, and so do the sites behind it, for the next
    tranche).
    """

    def __init__(self, env: simpy.Environment, tranches: tuple[tuple[float, float], ...]) -> None:
        self.env = env
        self.level = 0.0
        self._waiting: list[tuple[int, int, float, simpy.Event]] = []
        self._seq = 0
        self.log_t: list[float] = [0.0]
        self.log_level: list[float] = [0.0]
        env.process(self._release(tranches))

    def _release(self, tranches: tuple[tuple[float, float], ...]):
        for day, amount in sorted(tranches):
            if day > self.env.now:
                yield self.env.timeout(day - self.env.now)
            self.level += amount
            self._allocate()

    def _allocate(self) -> None:
        while self._waiting and self._waiting[0][2] <= self.level:
            _, _, amount, event = heapq.heappop(self._waiting)
            self.level -= amount
            event.succeed()
        self.log_t.append(self.env.now)
        self.log_level.append(self.level)

    def request(self, rank: int, amount: float) -> simpy.Event:
        """An event that fires when ``amount`` [CNY] is committed to the site of ``rank``."""
        event = self.env.event()
        heapq.heappush(self._waiting, (rank, self._seq, amount, event))
        self._seq += 1
        self._allocate()
        return event
