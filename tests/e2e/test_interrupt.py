"""Interrupts and a killed engine: reports still written, nothing left running.

The pids project's tests block (E2E_BLOCK_DIR) until the test creates `release`, so the signal is sent
while tests are certainly running, without guessing at timing.
"""
import json
import os
import signal

from jackd_e2e import check_report_shape, final_line, is_alive, wait_until

START_BOUND = 60  # seconds for the workers to start and reach the blocking tests
EXIT_BOUND = 60  # seconds for everything to end once released


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


def test_first_interrupt_stops_and_still_reports(project, start_jackd, tmp_path):
    run, records, block = start_blocked(project, start_jackd, tmp_path, "-n", "2")
    os.kill(run.pid, signal.SIGINT)
    (block / "release").touch()
    result = run.wait(timeout=EXIT_BOUND)
    assert result.rc == 2, result.describe()
    check_report_shape(result)
    # Every collected test is in the report exactly once, whatever happened to it.
    assert sorted(t["node_id"] for t in result.tests) == sorted(
        f"test_pids_{f}.py::test_{n}" for f in "ab" for n in ("first", "second")
    ), result.describe()
    assert final_line(result.stdout) is not None, "no closing summary line after the interrupt\n" + result.describe()
    assert "KeyboardInterrupt" in result.output or "Interrupted" in result.output, result.describe()
    pids = recorded_pids(records)
    assert wait_until(lambda: not [p for p in pids if is_alive(p)], EXIT_BOUND), [p for p in pids if is_alive(p)]


def test_workers_exit_when_the_engine_is_killed(project, start_jackd, tmp_path):
    run, records, block = start_blocked(project, start_jackd, tmp_path, "-n", "2")
    workers = {json.loads(p.read_text())["pid"] for p in records.glob("test-*.json")}
    assert workers, "no worker recorded itself"
    os.kill(run.pid, signal.SIGKILL)
    run.proc.wait(timeout=30)
    # The blocked tests finish; their workers find the stream gone and must exit (code 70 by contract).
    (block / "release").touch()
    pids = recorded_pids(records)
    ended = wait_until(lambda: not [p for p in pids if is_alive(p)], EXIT_BOUND)
    survivors = [p for p in pids if is_alive(p)]
    assert ended and not survivors, f"workers outlived their killed engine: {survivors}"
    run.wait(timeout=5)  # also checks, by the run's marker, that no other process of the run is left
