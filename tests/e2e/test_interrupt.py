"""Interrupts and a killed engine: reports still written, nothing left running.

The pids project's tests block (E2E_BLOCK_DIR) until the test creates `release`, so the signal is sent
while tests are certainly running, without guessing at timing. A blocked test waits at most 60 s: a
run that lets it wait is a run that did not kill it.
"""
import hashlib
import json
import os
import signal
import time
import xml.etree.ElementTree as ET

import pytest

from fault_checks import assert_gone, assert_groups_empty, check_all_accounted, report_text
from jackd_e2e import check_report_shape, final_line, is_alive, wait_until

START_BOUND = 60  # seconds for the workers to start and reach the blocking tests
EXIT_BOUND = 60  # seconds for everything to end once released
KILL_BOUND = 10  # seconds: "at once" / "within a few seconds", with room for a loaded machine
PIDS_TESTS = [f"test_pids_{f}.py::test_{n}" for f in "ab" for n in ("first", "second")]


def start_blocked(project, start_jackd, tmp_path, *args):
    records, block = tmp_path / "records", tmp_path / "block"
    records.mkdir()
    block.mkdir()
    run = start_jackd(project("pids"), *args, env={"E2E_PID_DIR": records, "E2E_BLOCK_DIR": block})
    started = lambda: [p for p in block.iterdir() if p.name.startswith("started-")]  # noqa: E731
    assert wait_until(lambda: started() or run.proc.poll() is not None, START_BOUND)
    assert run.proc.poll() is None and started(), "no test started\n" + run.output_so_far()
    return run, records, block


def recorded_pids(records):
    return {json.loads(p.read_text())["pid"] for p in records.glob("*.json")}


def worker_records(records):
    return [json.loads(p.read_text()) for p in records.glob("test-*.json")]


def started_tests(block):
    """Node IDs of the tests that had started (and were blocked) when the files were read."""
    by_digest = {hashlib.sha1(node_id.encode()).hexdigest(): node_id for node_id in PIDS_TESTS}
    return {by_digest[p.name.rsplit("-", 1)[1]] for p in block.iterdir() if p.name.startswith("started-")}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_first_interrupt_stops_and_still_reports(project, start_jackd, tmp_path, signum):
    junit = tmp_path / "junit.xml"
    run, records, block = start_blocked(project, start_jackd, tmp_path, "-n", "2", f"--junitxml={junit}")
    os.kill(run.pid, signum)
    time.sleep(0.5)  # the engine has stopped dispatching before the running tests may finish
    running = started_tests(block)
    (block / "release").touch()
    result = run.wait(timeout=EXIT_BOUND)
    assert result.rc == 2, result.describe()
    check_report_shape(result)
    # Every collected test is in the report exactly once, whatever happened to it.
    outcomes = check_all_accounted(result, len(PIDS_TESTS))
    assert sorted(outcomes) == sorted(PIDS_TESTS), result.describe()
    # The tests that were running finished normally; nothing else was started after the signal.
    assert running and started_tests(block) == running, (running, started_tests(block))
    assert outcomes == {t: "passed" if t in running else "not_run" for t in PIDS_TESTS}, result.describe()
    for node_id in set(PIDS_TESTS) - running:
        assert "Interrupted" in report_text(result, node_id), result.describe()
    assert final_line(result.stdout) is not None, "no closing summary line after the interrupt\n" + result.describe()
    assert "KeyboardInterrupt" in result.output or "Interrupted" in result.output, result.describe()
    if signum == signal.SIGTERM:
        assert "SIGTERM" in result.report["stop_reason"], result.report["stop_reason"]
    # The JUnit report is written too, with every test.
    assert junit.exists(), "no JUnit XML after the interrupt\n" + result.describe()
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert len(cases) == len(PIDS_TESTS), ET.tostring(ET.parse(junit).getroot())[:2000]
    pids = recorded_pids(records)
    assert wait_until(lambda: not [p for p in pids if is_alive(p)], EXIT_BOUND), [p for p in pids if is_alive(p)]


def test_second_interrupt_kills_the_workers_at_once(project, start_jackd, tmp_path):
    run, records, block = start_blocked(project, start_jackd, tmp_path, "-n", "2")
    workers = worker_records(records)
    os.kill(run.pid, signal.SIGINT)
    time.sleep(0.5)
    # The blocked tests would go on for up to 60 s; the second interrupt must not wait for them.
    second = time.monotonic()
    os.kill(run.pid, signal.SIGINT)
    result = run.wait(timeout=EXIT_BOUND)
    exited_after = run.started + result.seconds - second
    assert exited_after < KILL_BOUND, f"jackd took {exited_after:.1f}s to exit after the second SIGINT"
    assert result.rc == 2, result.describe()
    outcomes = check_all_accounted(result, len(PIDS_TESTS))
    # jackd reports the killed running tests, like the queued ones, as not run (reason: the interrupt).
    assert set(outcomes.values()) == {"not_run"}, result.describe()
    for node_id in PIDS_TESTS:
        assert "Interrupted" in report_text(result, node_id), result.describe()
    assert not (block / "release").exists()
    assert_gone({w["pid"] for w in workers}, within=KILL_BOUND, what="workers")
    assert_groups_empty({w["pgid"] for w in workers}, within=KILL_BOUND)


def test_workers_exit_when_the_engine_is_killed(project, start_jackd, tmp_path):
    run, records, block = start_blocked(project, start_jackd, tmp_path, "-n", "2")
    workers = worker_records(records)
    assert workers, "no worker recorded itself"
    os.kill(run.pid, signal.SIGKILL)
    run.proc.wait(timeout=30)
    # The tests stay blocked: each worker must notice the stream is gone and exit in the middle of its
    # test (code 70 by contract), not when the test ends.
    killed = time.monotonic()
    assert_gone({w["pid"] for w in workers}, within=KILL_BOUND, what="workers of the killed engine")
    assert time.monotonic() - killed < KILL_BOUND
    assert_groups_empty({w["pgid"] for w in workers}, within=KILL_BOUND)
    pids = recorded_pids(records)
    assert wait_until(lambda: not [p for p in pids if is_alive(p)], KILL_BOUND), [p for p in pids if is_alive(p)]
    run.wait(timeout=5)  # also checks, by the run's marker, that no other process of the run is left
