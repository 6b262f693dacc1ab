"""The durations store (<rootdir>/.jackd/durations.sqlite3), `jackd durations`, and duration-aware order.

The durations project's tests sleep known amounts: test_fast.py 3 x 0.05 s, test_medium.py 2 x 0.15 s,
test_slow.py 2 x 0.3 s, and test_pause.py's one test can be held (E2E_BLOCK_DIR) while the engine is
signalled. Every test records when it started (E2E_EVENTS), so the order in which a single worker ran
the files is observable. The store is read with Python's own sqlite3 module: what jackd wrote must be an
ordinary, readable SQLite database.
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jackd_e2e import check_report_shape, clean_env, read_events, wait_until

PROJECT = "durations"
SLEEPS = {
    "test_fast.py::test_fast[1]": 0.05,
    "test_fast.py::test_fast[2]": 0.05,
    "test_fast.py::test_fast[3]": 0.05,
    "test_medium.py::test_medium_one": 0.15,
    "test_medium.py::test_medium_two": 0.15,
    "test_pause.py::test_pause": 0.0,
    "test_slow.py::test_slow_one": 0.3,
    "test_slow.py::test_slow_two": 0.3,
}
SLACK = 5.0  # seconds a test may take beyond its sleep on a loaded machine; only catches nonsense
START_BOUND = 60  # seconds for the run to reach the held test
EXIT_BOUND = 60
COMMAND_TIMEOUT = 30


def store_path(project: Path) -> Path:
    return project / ".jackd" / "durations.sqlite3"


def stored_samples(project: Path) -> dict:
    """node_id -> [(seconds, outcome)], newest first, straight from the SQLite file."""
    with sqlite3.connect(store_path(project)) as db:
        rows = db.execute("SELECT node_id, seconds, outcome FROM samples ORDER BY node_id, run_id DESC").fetchall()
    samples: dict = {}
    for node_id, seconds, outcome in rows:
        samples.setdefault(node_id, []).append((seconds, outcome))
    return samples


def jackd_durations(jackd_bin, *args, cwd):
    return subprocess.run(
        [jackd_bin, "durations", *map(str, args)], cwd=cwd, env=clean_env(), capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL,
    )


def listed_seconds(stdout: str) -> dict:
    """`jackd durations` lines "   0.30s  <name>  (...)" -> {name: seconds}."""
    listed = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith("s"):
            try:
                listed[parts[1]] = float(parts[0][:-1])
            except ValueError:
                pass
    return listed


def file_order(events) -> list:
    """The files in the order their first test started."""
    order = []
    for event in sorted(events, key=lambda e: e["start"]):
        if event["file"] not in order:
            order.append(event["file"])
    return order


def test_durations_persist_across_runs_and_are_listed(project, run_jackd, jackd_bin):
    proj = project(PROJECT)
    reports = []
    for _ in range(2):
        result = run_jackd(proj, "-n", "2")
        check_report_shape(result)
        assert result.rc == 0, result.describe()
        assert "warning" not in result.stderr, result.describe()
        reports.append({t["node_id"]: t["duration"] for t in result.tests})
    assert (proj / ".jackd" / ".gitignore").read_text().strip().endswith("*")

    samples = stored_samples(proj)
    assert sorted(samples) == sorted(SLEEPS), samples
    for node_id, history in samples.items():
        # Newest first; each sample is the duration the run reported for the test (setup+call+teardown).
        assert [seconds for seconds, _ in history] == [reports[1][node_id], reports[0][node_id]], node_id
        assert {outcome for _, outcome in history} == {"passed"}
        for seconds, _ in history:
            assert SLEEPS[node_id] <= seconds < SLEEPS[node_id] + SLACK, (node_id, seconds)

    # From a subdirectory of the project, too: the store is found upwards.
    (proj / "sub").mkdir()
    listing = jackd_durations(jackd_bin, "--top", "3", "-n", "2", cwd=proj / "sub")
    assert listing.returncode == 0, listing.stderr
    out = listing.stdout
    assert "8 tests in 4 files, from the last 2 runs" in out, out
    listed = listed_seconds(out)
    # The three slowest tests, the slowest first; then the three slowest files.
    tests_section = out.split("slowest 3 files")[0]
    files_section = out.split("slowest 3 files")[1]
    shown_tests = list(listed_seconds(tests_section))
    assert len(shown_tests) == 3, out
    assert set(shown_tests[:2]) == {"test_slow.py::test_slow_one", "test_slow.py::test_slow_two"}, out
    assert shown_tests[2].startswith("test_medium.py::"), out
    assert "test_fast.py::test_fast[1]" not in tests_section, "--top 3 lists three tests\n" + out
    assert list(listed_seconds(files_section)) == ["test_slow.py", "test_medium.py", "test_fast.py"], out
    assert 0.6 <= listed["test_slow.py"] < 0.6 + 2 * SLACK, out
    assert "(passed, 2 runs)" in out, out
    # Total and the expected wall time: with 2 workers longest-first, about half the total (at least
    # the slowest single test, at most the total).
    total = float(out.split("total: ")[1].split("s")[0])
    assert 1.05 <= total < 1.05 + 8 * SLACK, out
    wall = out.split("expected wall time on 2 workers: ")[1]
    load_wall, file_wall = (float(part.split("s")[0]) for part in wall.split(", "))
    assert total / 2 <= load_wall <= total, out
    assert listed["test_slow.py"] <= file_wall <= total, out
    one = jackd_durations(jackd_bin, "-n", "1", "--rootdir", proj, cwd=proj.parent)
    assert one.returncode == 0, one.stderr
    assert f"expected wall time on 1 worker: {total:.2f}s (--dist load), {total:.2f}s" in one.stdout, one.stdout


def test_durations_without_a_store_is_a_clear_error(project, jackd_bin):
    proj = project(PROJECT)
    listing = jackd_durations(jackd_bin, "--rootdir", proj, cwd=proj)
    assert listing.returncode == 4, (listing.returncode, listing.stdout, listing.stderr)
    lines = listing.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jackd: error: no test durations recorded"), listing.stderr
    assert "jackd run" in lines[0], listing.stderr
    assert not (proj / ".jackd").exists(), "reading must not create a store"


def test_a_second_run_starts_the_slowest_file_first_under_loadfile(project, run_jackd, tmp_path):
    proj = project(PROJECT)
    orders = []
    for run in range(2):
        events_path = tmp_path / f"events-{run}.jsonl"
        result = run_jackd(proj, "-n", "1", "--dist", "loadfile", env={"E2E_EVENTS": events_path})
        assert result.rc == 0, result.describe()
        events = read_events(events_path, "test")
        assert len(events) == len(SLEEPS), events
        orders.append(file_order(events))
    # Nothing measured: the file with the most tests first, the rest in collection order.
    assert orders[0] == ["test_fast.py", "test_medium.py", "test_slow.py", "test_pause.py"], orders
    # Measured: the longest expected file first (LPT).
    assert orders[1] == ["test_slow.py", "test_medium.py", "test_fast.py", "test_pause.py"], orders


def start_held(project, start_jackd, tmp_path, *args):
    """A run of the durations project held in test_pause.py (after test_fast and test_medium finished)."""
    block = tmp_path / "block"
    block.mkdir()
    proj = project(PROJECT)
    run = start_jackd(proj, "-n", "1", "--dist", "no", *args, env={"E2E_BLOCK_DIR": block})
    assert wait_until(lambda: (block / "started").exists() or run.proc.poll() is not None, START_BOUND)
    assert run.proc.poll() is None, "the run ended before the held test\n" + run.output_so_far()
    return proj, run, block


def test_an_interrupted_run_records_the_tests_that_finished(project, start_jackd, tmp_path):
    proj, run, block = start_held(project, start_jackd, tmp_path)
    os.kill(run.pid, signal.SIGINT)
    time.sleep(0.5)  # the engine has stopped dispatching before the held test finishes
    (block / "release").touch()
    result = run.wait(timeout=EXIT_BOUND)
    assert result.rc == 2, result.describe()
    outcomes = result.outcome_map()
    ran = sorted(node_id for node_id, outcome in outcomes.items() if outcome != "not_run")
    # --dist no runs in collection order: fast, medium, then the held test; test_slow never started.
    assert ran == sorted(n for n in SLEEPS if not n.startswith("test_slow.py")), result.describe()
    samples = stored_samples(proj)
    assert sorted(samples) == ran, samples
    for node_id in ran:
        assert SLEEPS[node_id] <= samples[node_id][0][0] < SLEEPS[node_id] + SLACK, samples[node_id]


def test_a_killed_engine_leaves_a_readable_store(project, start_jackd, run_jackd, jackd_bin, tmp_path):
    proj, run, block = start_held(project, start_jackd, tmp_path)
    (block / "release").touch()
    first = run.wait(timeout=EXIT_BOUND)
    assert first.rc == 0, first.describe()
    assert len(stored_samples(proj)) == len(SLEEPS)

    # A second run killed while it runs: the first run's durations stay readable.
    (block / "release").unlink()
    (block / "started").unlink()
    run = start_jackd(proj, "-n", "1", "--dist", "no", env={"E2E_BLOCK_DIR": block})
    assert wait_until(lambda: (block / "started").exists() or run.proc.poll() is not None, START_BOUND)
    os.kill(run.pid, signal.SIGKILL)
    run.proc.wait(timeout=30)
    (block / "release").touch()  # lets the orphaned test go, should its worker still be alive
    run.wait(timeout=EXIT_BOUND)

    # A writer killed in the middle of a transaction (as an engine killed while recording would be).
    writer = subprocess.Popen(
        [sys.executable, "-c", (
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "db.execute(\"INSERT INTO samples VALUES ('half::written', 999999, 'half', 1.0, 'passed')\")\n"
            "print('inside', flush=True)\n"
            "time.sleep(60)\n"
        ), str(store_path(proj))],
        stdout=subprocess.PIPE, text=True,
    )
    assert writer.stdout.readline().strip() == "inside"
    writer.kill()
    writer.wait(timeout=30)

    samples = stored_samples(proj)
    assert sorted(samples) == sorted(SLEEPS), samples
    assert all(len(history) == 1 for history in samples.values()), samples
    listing = jackd_durations(jackd_bin, "--rootdir", proj, cwd=proj)
    assert listing.returncode == 0 and "8 tests in 4 files, from the last 1 runs" in listing.stdout, listing
    # And the next run records on top of it.
    third = run_jackd(proj, "-n", "1")
    assert third.rc == 0 and "warning" not in third.stderr, third.describe()
    assert all(len(history) == 2 for history in stored_samples(proj).values())


def test_an_unusable_store_warns_once_and_the_run_goes_on(project, run_jackd):
    proj = project(PROJECT)
    (proj / ".jackd").mkdir()
    store_path(proj).write_bytes(b"not a database, " * 512)
    result = run_jackd(proj, "-n", "2")
    assert result.rc == 0, result.describe()
    assert set(result.outcome_map().values()) == {"passed"}, result.describe()
    warnings = [line for line in result.stderr.splitlines() if line.startswith("jackd: warning:")]
    assert len(warnings) == 1 and "durations" in warnings[0], result.describe()
    assert store_path(proj).read_bytes() == b"not a database, " * 512, "the broken file is left alone"


def test_collect_only_makes_no_store(project, run_jackd):
    proj = project(PROJECT)
    result = run_jackd(proj, "--collect-only", json_report=False)
    assert result.rc == 0, result.describe()
    assert not (proj / ".jackd").exists()


def test_pytest_durations_lists_the_phases_pytest_lists(project, run_jackd, run_pytest):
    """`--durations=0 -vv`: one row per phase that ran, as pytest's: a test skipped or failed in setup has
    no call row. (Only which rows, not their seconds: jackd's come from the shim's clock.)"""
    mixed = project("mixed")
    row = re.compile(r"^\d+\.\d\ds (setup|call|teardown)\s+(\S.*)$")

    def rows(stdout):
        text = stdout.split("slowest durations", 1)[1].split("short test summary", 1)[0]
        return sorted(m.groups() for m in map(row.match, text.splitlines()) if m)

    plain = run_pytest(mixed, "--durations=0", "-vv", "-p", "no:cacheprovider")
    jackd = run_jackd(mixed, "-n", "2", "--durations=0", "-vv", "-p", "no:cacheprovider")
    assert "slowest durations" in jackd.stdout, jackd.describe()
    assert rows(jackd.stdout) == rows(plain.stdout), jackd.describe()
    assert ("call", "test_mixed.py::test_skip_in_setup") not in rows(jackd.stdout)


def test_a_timed_out_test_is_recorded_with_its_time_until_the_kill(project, run_jackd):
    hang = project("hang")
    result = run_jackd(hang, "-n", "1", "--timeout", "1", "test_hang.py", env={"E2E_HANG_SECONDS": 60})
    assert result.outcome_map()["test_hang.py::test_sleeps_forever"] == "timeout", result.describe()
    samples = stored_samples(hang)
    assert sorted(samples) == sorted(result.outcome_map()), samples
    [(seconds, outcome)] = samples["test_hang.py::test_sleeps_forever"]
    # A lower bound: at least the timeout, and not the rest of its 60 s sleep.
    assert outcome == "timeout" and 1.0 <= seconds < 1.0 + SLACK, samples
