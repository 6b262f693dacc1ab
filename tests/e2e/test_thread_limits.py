"""No oversubscription by default: each worker's BLAS and OpenMP thread pools get their share of the CPUs.

jackd gives each local worker OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, NUMEXPR_NUM_THREADS,
VECLIB_MAXIMUM_THREADS and BLIS_NUM_THREADS = max(1, usable CPUs // workers) (engine/thread_limits.h),
never changes one the user set, says so in the header, and `--thread-limits off` (or `thread_limits =
"off"` in the configuration) gives none. A remote host sizes its shims' pools from its own CPUs and shims.

The thread_limits project records, per test, the variables as C's getenv saw them when the test module was
imported (when numpy's OpenBLAS would read them) and as os.environ has them in the test.
"""
from __future__ import annotations

import math
import os
import socket
import subprocess
import uuid

import pytest

from jackd_e2e import RUN_TIMEOUT, check_report_shape, clean_env, kill_pids, processes_with_marker, read_events

PROJECT = "thread_limits"
TESTS = 4
VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
)
# The outer environment may set some; each run says exactly which are set.
UNSET = {name: None for name in VARIABLES}


def usable_cpus() -> int:
    """What `-n auto` counts (engine/worker_count.cc): the affinity mask, limited by a cgroup CPU quota."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        try:
            quota = int(open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read())
            period = int(open("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read())
            if quota > 0 and period > 0:
                cpus = min(cpus, max(1, math.ceil(quota / period)))
        except (OSError, ValueError):
            pass
    return cpus


def share(workers: int) -> int:
    return max(1, usable_cpus() // workers)


def header_line(stdout: str) -> str | None:
    return next((line for line in stdout.splitlines() if line.startswith("thread pools:")), None)


def recorded(events_path, result) -> list[dict]:
    events = read_events(events_path, "threads")
    assert len(events) == TESTS, result.describe()
    return events


def run_recorded(project, run_jackd, tmp_path, *args, env=None):
    events = tmp_path / "events.jsonl"
    result = run_jackd(project(PROJECT), *args, env={**UNSET, "E2E_EVENTS": events, **(env or {})})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    return result, recorded(events, result)


def assert_values(events, expected: dict, result) -> None:
    for event in events:
        # At import (what a BLAS library reads when it loads) and in the test alike.
        assert event["at_import"] == expected, (event, result.describe())
        assert event["at_test"] == expected, (event, result.describe())


@pytest.mark.parametrize(
    "workers, worker_start",
    [(2, "fork"), (2, "exec"), (1, "fork")],
    ids=["2 forked workers", "2 exec'd workers", "1 worker"],
)
def test_each_worker_gets_its_share_of_the_usable_cpus(project, run_jackd, tmp_path, workers, worker_start):
    result, events = run_recorded(project, run_jackd, tmp_path, "-n", str(workers), "--worker-start", worker_start,
                                  env={"E2E_BARRIER": workers})
    assert result.report["workers"] == workers
    assert {event["worker"] for event in events} == {f"gw{i}" for i in range(workers)}, events
    threads = share(workers)
    assert_values(events, {name: str(threads) for name in VARIABLES}, result)
    noun = "thread" if threads == 1 else "threads"
    assert header_line(result.stdout) == f"thread pools: {threads} {noun} per worker ({', '.join(VARIABLES)})", (
        result.stdout)
    # Where pytest-style headers put jackd's lines: after the worker line, before "collected".
    lines = result.stdout.splitlines()
    at = lines.index(header_line(result.stdout))
    assert lines[at - 1].startswith("jackd ") and "worker" in lines[at - 1], result.stdout
    assert lines[at + 1].startswith("collected "), result.stdout


def test_a_variable_the_user_set_is_kept(project, run_jackd, tmp_path):
    result, events = run_recorded(project, run_jackd, tmp_path, "-n", "2", env={"OMP_NUM_THREADS": "3"})
    threads = share(2)
    expected = {name: str(threads) for name in VARIABLES}
    expected["OMP_NUM_THREADS"] = "3"
    assert_values(events, expected, result)
    given = ", ".join(VARIABLES[1:])
    noun = "thread" if threads == 1 else "threads"
    assert header_line(result.stdout) == (
        f"thread pools: {threads} {noun} per worker ({given}; kept OMP_NUM_THREADS=3)"), result.stdout


@pytest.mark.parametrize("where", ["command line", "jackd.toml"])
def test_thread_limits_off_sets_none(project, run_jackd, tmp_path, where):
    events_path = tmp_path / "events.jsonl"
    path = project(PROJECT)
    args = ["-n", "2"]
    if where == "command line":
        args += ["--thread-limits", "off"]
    else:
        (path / "jackd.toml").write_text('thread_limits = "off"\n')
    result = run_jackd(path, *args, env={**UNSET, "E2E_EVENTS": events_path})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert_values(recorded(events_path, result), UNSET, result)
    assert header_line(result.stdout) is None, result.stdout


def test_thread_limits_rejects_other_values(project, run_jackd):
    result = run_jackd(project(PROJECT), "--thread-limits", "4", json_report=False)
    assert result.rc == 4, result.describe()
    assert "--thread-limits" in result.stderr and "auto" in result.stderr, result.stderr


# ---------------------------------------------------------------------------------------------------
# A remote host: its own CPUs and its own worker count, not the engine's


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_remote_host_sizes_the_pools_from_its_own_cpus_and_workers(
    project, start_jackd, jackd_bin, test_python, tmp_path
):
    events_path = tmp_path / "events.jsonl"
    path = project(PROJECT)
    address = f"127.0.0.1:{free_port()}"
    # The engine asks for 2 local workers' worth of nothing (-n 0); the host runs 1 shim: it gets every CPU.
    engine = start_jackd(path, "-n", "0", "--listen", address, "--insecure", "--worker-start-timeout", "90",
                         env={**UNSET, "E2E_EVENTS": events_path})
    env = clean_env({**UNSET, "E2E_EVENTS": events_path})
    env["E2E_RUN_MARKER"] = uuid.uuid4().hex
    output = tmp_path / "worker.txt"
    with open(output, "wb") as out:
        worker = subprocess.Popen([jackd_bin, "worker", "--connect", address, "--python", test_python, "-n", "1",
                                   "--insecure"], cwd=path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        result = engine.wait(RUN_TIMEOUT)
        assert worker.wait(timeout=60) == 0, output.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
        kill_pids(processes_with_marker(env["E2E_RUN_MARKER"]))
    assert result.rc == 0, result.describe()
    threads = share(1)
    assert_values(recorded(events_path, result), {name: str(threads) for name in VARIABLES}, result)
    noun = "thread" if threads == 1 else "threads"
    assert f"jackd worker: thread pools: {threads} {noun} per worker (" in output.read_text(), output.read_text()
    # The engine has no local workers, so its header has nothing to say about them.
    assert header_line(result.stdout) is None, result.stdout
