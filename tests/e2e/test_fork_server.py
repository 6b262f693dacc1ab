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
    processes = {json.loads(p.read_text())["pid"]: json.loads(p.read_text()) for p in records.glob("process-*.json")}
    assert len(tests) == PIDS_TESTS, result.describe()
    return tests, processes


@pytest.mark.parametrize("start", ["fork", "exec"])
def test_every_worker_is_the_engines_child_in_its_own_group(project, start_jackd, tmp_path, start):
    records = tmp_path / "records"
    records.mkdir()
    run = start_jackd(project("pids"), "-n", "2", "--worker-start", start, env={"E2E_PID_DIR": records})
    tests, processes = recorded(run.wait(), records)
    workers = {(t["pid"], t["PYTEST_XDIST_WORKER"]) for t in tests}
    assert len({pid for pid, _ in workers}) == len({worker for _, worker in workers}) == 2, tests
    for test in tests:
        assert test["ppid"] == run.pid, f"worker {test['pid']} is not the engine's child: {test}"
        assert test["pgid"] == test["pid"], f"worker {test['pid']} does not lead its own group: {test}"
        if start == "fork":
            assert test["comm"] == f"jackd-{test['PYTEST_XDIST_WORKER']}", test
        else:
            assert not test["comm"].startswith("jackd-"), test
        # The shim's sys.argv is a worker's either way: plugins that read it see no difference.
        assert processes[test["pid"]]["argv"][:2] == ["-c", "worker"], processes[test["pid"]]
    # Forked from one interpreter, they still draw different random numbers (random reseeds after fork).
    worker_randoms = [processes[pid]["random"] for pid, _ in workers]
    assert len(set(worker_randoms)) == len(worker_randoms), worker_randoms


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
