"""Workers forked by the fork server (--worker-start fork, the default) and exec'd ones (exec).

Either way a worker must be what engine/process.h promises of every child: the engine's own child (so
the engine reaps it and reads how it ended), the leader of its own process group, with its own
environment and random state. The pids project records those facts per test and per process.
"""
import json

import pytest

from jackd_e2e import check_report_shape

PIDS_TESTS = 4


def recorded(result, records):
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    tests = [json.loads(p.read_text()) for p in records.glob("test-*.json")]
    processes = {}
    for path in records.glob("process-*.json"):
        record = json.loads(path.read_text())
        processes[record["pid"]] = record
    assert len(tests) == PIDS_TESTS, result.describe()
    return tests, processes


@pytest.mark.parametrize("start", ["fork", "exec"])
def test_every_worker_is_the_engines_child_in_its_own_group(project, start_jackd, tmp_path, start):
    records = tmp_path / "records"
    records.mkdir()
    run = start_jackd(project("pids"), "-n", "2", "--worker-start", start, env={"E2E_PID_DIR": records})
    _, processes = recorded(run.wait(), records)
    # Every worker process records itself when pytest configures, whether or not it gets tests.
    workers = {record["PYTEST_XDIST_WORKER"]: record for record in processes.values() if record["PYTEST_XDIST_WORKER"]}
    assert sorted(workers) == ["gw0", "gw1"], processes
    for worker, record in workers.items():
        assert record["ppid"] == run.pid, f"{worker} is not the engine's child: {record}"
        assert record["pgid"] == record["pid"], f"{worker} does not lead its own process group: {record}"
        # The shim's sys.argv is a worker's either way: plugins that read it see no difference.
        assert record["argv"][:2] == ["-c", "worker"], record
        if start == "fork":
            assert record["comm"] == f"jackd-{worker}", record
        else:
            assert not record["comm"].startswith("jackd-"), record
    # Forked from one interpreter, they still draw different random numbers (random reseeds after fork).
    assert workers["gw0"]["random"] != workers["gw1"]["random"], workers


def test_a_fork_server_that_cannot_start_falls_back_to_exec(project, run_jackd, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    # Only the fork server's interpreter dies at start-up; workers and the collection are unaffected.
    (site / "sitecustomize.py").write_text(
        "import os, sys\nif sys.argv[1:] == ['forkserver']:\n    os._exit(3)\n")
    records = tmp_path / "records"
    records.mkdir()
    result = run_jackd(project("pids"), "-n", "2", env={"E2E_PID_DIR": records, "PYTHONPATH": str(site)})
    tests, _ = recorded(result, records)
    assert all(not t["comm"].startswith("jackd-") for t in tests), tests
    assert "error" not in result.stderr.lower(), result.describe()
