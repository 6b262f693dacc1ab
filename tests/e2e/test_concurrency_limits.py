"""Concurrency limits: `@pytest.mark.jackd_limit("db", N)` lets at most N tests of pool "db" run at the
same time, on any workers (a semaphore, not an affinity).

The limits project records every test's [start, end] on CLOCK_MONOTONIC (each sleeps 0.15 s) and its
pool. Pool tests come first in collection order and a start barrier (E2E_BARRIER) makes the workers
start together, so without the limit more of them would run at once than it allows.
"""
import pytest

from jackd_e2e import check_report_shape, max_overlap, read_events

PROJECT = "limits"
WORKERS = 4  # more workers than the "db" limit, so the limit, not the worker count, is what caps it
LIMITS = {"db": 2, "solo": 1}
POOL_SIZES = {"db": 8, "solo": 4, None: 8}

_plain_cache: dict = {}


def plain_outcomes(project, run_pytest):
    if PROJECT not in _plain_cache:
        plain = run_pytest(project(PROJECT), "--strict-markers")
        assert plain.rc == 0, plain.describe()
        assert len(plain.collected) == sum(POOL_SIZES.values()), plain.describe()
        _plain_cache[PROJECT] = plain.outcome_map()
    return _plain_cache[PROJECT]


def describe(records) -> str:
    t0 = min(r["start"] for r in records)
    lines = [
        f"  {r['worker']} {r['start'] - t0:7.3f} {r['end'] - t0:7.3f} {r['pool']} {r['node_id']}"
        for r in sorted(records, key=lambda r: r["start"])
    ]
    return "timeline (worker, start, end, pool):\n" + "\n".join(lines)


# loadfile: the file units are [free], [solo + 4 db], [4 db], [3 solo], so the fourth worker waits for the
# "solo" pool; only three workers can start together.
@pytest.mark.parametrize("dist, barrier", [("load", WORKERS), ("loadfile", WORKERS - 1)])
def test_no_pool_ever_runs_more_tests_at_once_than_its_limit(
    project, run_jackd, run_pytest, tmp_path, dist, barrier
):
    expected = plain_outcomes(project, run_pytest)
    events = tmp_path / "events.jsonl"
    result = run_jackd(
        project(PROJECT), "-n", str(WORKERS), "--dist", dist, "--strict-markers",
        env={"E2E_EVENTS": events, "E2E_BARRIER": barrier},
    )
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == expected, result.describe()
    assert result.report["workers"] == WORKERS, result.describe()
    records = read_events(events, "test")
    node_ids = [r["node_id"] for r in records]
    assert sorted(node_ids) == sorted(expected), "a test ran twice or never\n" + result.describe()
    assert {pool: sum(r["pool"] == pool for r in records) for pool in POOL_SIZES} == POOL_SIZES

    for pool, limit in LIMITS.items():
        intervals = [(r["start"], r["end"]) for r in records if r["pool"] == pool]
        assert max_overlap(intervals) <= limit, (
            f"more than {limit} tests of pool {pool!r} ran at once\n" + describe(records)
        )
    # The run had room for more: the workers did run tests side by side (so an absent limit would show).
    assert max_overlap([(r["start"], r["end"]) for r in records]) >= 3, describe(records)
    assert len({r["worker"] for r in records}) == WORKERS, describe(records)
