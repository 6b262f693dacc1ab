"""Tests that run alone: `@pytest.mark.serial` (renamed with `--serial-mark`) and tests that use
pytest-benchmark's `benchmark` fixture (unless `--benchmark-disable`; with `--benchmark-only`, all).

They run after the parallel work, one at a time, while no other test runs anywhere, in collection order.
The run_alone project records every test's [start, end] on CLOCK_MONOTONIC (each test sleeps 0.1 s, so a
test run in the wrong phase overlaps another), and puts run-alone tests first in collection order, so a
scheduler that handed them out with the rest would start them at once. A start barrier (E2E_BARRIER)
keeps every worker busy in the parallel phase.
"""
import pytest

from jackd_e2e import check_report_shape, read_events

PROJECT = "run_alone"
WORKERS = 2

_plain_cache: dict = {}


def plain_outcomes(project, run_pytest, *args):
    if args not in _plain_cache:
        plain = run_pytest(project(PROJECT), *args)
        assert plain.rc == 0, plain.describe()
        assert len(plain.collected) == 22, plain.describe()
        _plain_cache[args] = plain.outcome_map()
    return _plain_cache[args]


def run_recorded(project, run_jackd, run_pytest, tmp_path, *args, barrier=True):
    """A jackd run on two workers whose outcomes are plain pytest's; returns (result, {node ID: record}
    in collection order)."""
    expected = plain_outcomes(project, run_pytest, *[a for a in args if a.startswith("--benchmark")])
    events = tmp_path / "events.jsonl"
    env = {"E2E_EVENTS": events, "E2E_BARRIER": WORKERS if barrier else None}
    result = run_jackd(project(PROJECT), "-n", str(WORKERS), *args, env=env)
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == expected, result.describe()
    records = {}
    for record in read_events(events, "test"):
        assert record["node_id"] not in records, f"{record['node_id']} ran twice\n" + result.describe()
        records[record["node_id"]] = record
    ran = [t["node_id"] for t in result.tests if t["outcome"] == "passed"]
    assert sorted(records) == sorted(ran), result.describe()
    return result, {node_id: records[node_id] for node_id in ran}


def overlaps(a, b) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def describe(records) -> str:
    t0 = min(r["start"] for r in records.values())
    lines = [
        f"  {r['worker']} {r['start'] - t0:7.3f} {r['end'] - t0:7.3f} {node_id}"
        for node_id, r in sorted(records.items(), key=lambda item: item[1]["start"])
    ]
    return "timeline (worker, start, end):\n" + "\n".join(lines)


def assert_run_alone(records, alone):
    """`alone` (node IDs, collection order) ran after every other test, overlapping none, in order."""
    others = [r for node_id, r in records.items() if node_id not in alone]
    assert alone and others, (alone, sorted(records))
    last_parallel_end = max(r["end"] for r in others)
    for node_id in alone:
        record = records[node_id]
        assert record["start"] >= last_parallel_end, (
            f"{node_id} started before the parallel work ended\n" + describe(records)
        )
        overlapping = [other for other in records if other != node_id and overlaps(record, records[other])]
        assert not overlapping, f"{node_id} ran at the same time as {overlapping}\n" + describe(records)
    assert sorted(alone, key=lambda node_id: records[node_id]["start"]) == alone, (
        "run-alone tests not in collection order\n" + describe(records)
    )


def assert_ran_with_the_parallel_work(records, ordinary, alone):
    """The first of `ordinary` started while tests that are not run-alone were still running (a test run
    alone would start only after all of them ended)."""
    parallel = [r for node_id, r in records.items() if node_id not in alone and node_id not in ordinary]
    first = min(records[node_id]["start"] for node_id in ordinary)
    assert first < max(r["end"] for r in parallel), (
        f"{ordinary} were held back as if they had to run alone\n" + describe(records)
    )


def having(records, predicate):
    return [node_id for node_id, record in records.items() if predicate(record)]


# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dist", ["load", "loadfile"])
def test_serial_and_benchmark_tests_run_alone_after_the_parallel_work(
    project, run_jackd, run_pytest, tmp_path, dist
):
    result, records = run_recorded(project, run_jackd, run_pytest, tmp_path, "--dist", dist)
    alone = having(records, lambda r: "serial" in r["marks"] or r["benchmark"])
    assert len(alone) == 7, alone  # 5 serial (2 of them by their class's mark), 2 benchmarks
    assert_run_alone(records, alone)
    # Every worker took part in the parallel phase, so "nothing else runs" was a real constraint.
    assert len({r["worker"] for node_id, r in records.items() if node_id not in alone}) == WORKERS
    # Another mark is no reason to run alone.
    assert_ran_with_the_parallel_work(records, having(records, lambda r: "exclusive" in r["marks"]), alone)


def test_serial_mark_option_names_the_mark_that_runs_alone(project, run_jackd, run_pytest, tmp_path):
    result, records = run_recorded(project, run_jackd, run_pytest, tmp_path, "--serial-mark", "exclusive")
    alone = having(records, lambda r: "exclusive" in r["marks"] or r["benchmark"])
    assert len(alone) == 4, alone
    assert_run_alone(records, alone)
    # `serial` is an ordinary mark now.
    assert_ran_with_the_parallel_work(records, having(records, lambda r: "serial" in r["marks"]), alone)


def test_benchmark_disable_lets_benchmark_tests_run_in_parallel(project, run_jackd, run_pytest, tmp_path):
    result, records = run_recorded(project, run_jackd, run_pytest, tmp_path, "--benchmark-disable")
    alone = having(records, lambda r: "serial" in r["marks"])
    assert len(alone) == 5, alone
    assert_run_alone(records, alone)
    assert_ran_with_the_parallel_work(records, having(records, lambda r: r["benchmark"]), alone)


def test_benchmark_only_runs_each_benchmark_alone(project, run_jackd, run_pytest, tmp_path):
    # pytest-benchmark skips every other test; the two benchmarks run, one after the other. No barrier:
    # only one worker is meant to run anything here.
    result, records = run_recorded(project, run_jackd, run_pytest, tmp_path, "--benchmark-only", barrier=False)
    assert sorted(records) == ["test_a_first.py::test_bench_first", "test_b_middle.py::test_bench_middle"]
    first, second = records.values()
    assert not overlaps(first, second), describe(records)
    assert first["start"] < second["start"], describe(records)


def test_benchmarks_really_measure_under_jackd(project, run_jackd, run_pytest, tmp_path):
    # A benchmark runs alone so that its timings mean something. pytest-benchmark disables itself (the
    # benchmarked function then runs once) when it believes it is inside xdist; plain pytest runs the
    # pedantic benchmark's 3 rounds, and so must a jackd worker.
    plain_events = tmp_path / "plain-events.jsonl"
    plain = run_pytest(project(PROJECT), "-k", "bench", env={"E2E_EVENTS": plain_events})
    assert plain.rc == 0, plain.describe()
    expected = {e["node_id"]: e["calls"] for e in read_events(plain_events, "bench")}
    assert expected == {"test_a_first.py::test_bench_first": 3, "test_b_middle.py::test_bench_middle": 3}
    events = tmp_path / "events.jsonl"
    result = run_jackd(project(PROJECT), "-n", str(WORKERS), "-k", "bench", env={"E2E_EVENTS": events})
    assert result.rc == 0, result.describe()
    calls = {e["node_id"]: e["calls"] for e in read_events(events, "bench")}
    assert calls == expected, (
        "the benchmark fixture did not measure in jackd's worker (pytest-benchmark disabled itself?)\n"
        + result.describe()
    )
