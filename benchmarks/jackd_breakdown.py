"""Where a jackd run's time went, from its `--json-report` (issue 25, "Where the CPU-bound time goes").

The report gives each test its worker, its phase durations and its start and stop in seconds since
`jackd run` started (docs/json-report.md), which is enough for: the sum of test durations (to set
against serial pytest's, from its JUnit file), each worker's busy time and finish, when the first
test started and the tail. It has no CPU times (neither the engine's nor the fork server's), no
collection time of its own (the first test's start includes starting the workers and collecting) and
no per-module setup (a module's fixtures are set up inside its first test's setup phase).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Breakdown:
    wall: float  # the report's duration: jackd's start to the end of the run
    test_seconds: float  # setup + call + teardown, summed over the tests
    setup_seconds: float  # of which setup phases (module and class fixtures land in the first test's)
    busy: dict[str, float]  # worker -> seconds between its tests' starts and stops
    finish: dict[str, float]  # worker -> when its last test stopped
    first_start: float | None  # when the first test started

    @property
    def tail(self) -> float | None:
        """The last worker's finish minus the first's: how long some worker sat idle at the end."""
        return max(self.finish.values()) - min(self.finish.values()) if self.finish else None

    @property
    def after_last(self) -> float | None:
        """From the last test's stop to the end of the run: workers finishing, the store and the reports."""
        return self.wall - max(self.finish.values()) if self.finish else None


def read(path: Path) -> Breakdown:
    report = json.loads(path.read_text())
    busy: dict[str, float] = {}
    finish: dict[str, float] = {}
    starts = []
    for test in report["tests"]:
        worker, start, stop = test.get("worker"), test.get("start"), test.get("stop")
        if worker is None or start is None or stop is None:
            continue  # never reached a worker
        busy[worker] = busy.get(worker, 0.0) + stop - start
        finish[worker] = max(finish.get(worker, 0.0), stop)
        starts.append(start)
    return Breakdown(
        wall=report["duration"],
        test_seconds=sum(t.get("duration") or 0.0 for t in report["tests"]),
        setup_seconds=sum(t.get("setup") or 0.0 for t in report["tests"]),
        busy=dict(sorted(busy.items(), key=lambda item: int(item[0].removeprefix("gw")))),
        finish=dict(sorted(finish.items(), key=lambda item: int(item[0].removeprefix("gw")))),
        first_start=min(starts, default=None),
    )


def _each(values: dict[str, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values.values()) or "-"


def _fmt(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "-"


def rows(name: str, breakdown: Breakdown, serial_test_seconds: float | None) -> list[str]:
    """One table row: wall, test seconds (and over serial's), setup, busy and finish per worker, first
    test, tail, after the last test."""
    over = f"{breakdown.test_seconds / serial_test_seconds:.2f}x" if serial_test_seconds else "-"
    return [name, _fmt(breakdown.wall), _fmt(breakdown.test_seconds), over, _fmt(breakdown.setup_seconds),
            _each(breakdown.busy), _each(breakdown.finish), _fmt(breakdown.first_start), _fmt(breakdown.tail),
            _fmt(breakdown.after_last)]


HEADER = ["run", "wall s", "test s", "test /serial", "setup s", "busy s per worker", "finish s per worker",
          "first test s", "tail s", "after last s"]
