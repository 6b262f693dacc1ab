"""The run's workers share pytest's assertion rewrites (worker_shim/jackd_shim/rewrite_cache.py).

With PYTHONDONTWRITEBYTECODE set, pytest writes no pyc, so every worker used to rewrite every conftest,
plugin and test module it imported. The engine now gives its workers a directory of the run where each
module's rewrite is stored once; the shim's unit tests (tests/shim/test_rewrite_cache.py) show that a
module is rewritten once however many processes import it. Here: the engine (and `jackd worker` on a
remote host) hands the directory to real workers, the rewrites land there, assertion messages stay
pytest's, and nothing outlives the run.
"""
import json
import os
import socket
import subprocess
import textwrap

import pytest

from jackd_e2e import RUN_TIMEOUT, check_report_shape, clean_env, section

MODULES = ["test_a", "test_b", "test_c"]


def write_project(root):
    root.mkdir()
    (root / "conftest.py").write_text(textwrap.dedent("""
        import json, os

        def pytest_collection_finish(session):
            # Where this worker's rewrites went, and what was there once its modules were imported (at
            # the end of collection: a worker may find the run over before it gets a test).
            record = os.environ.get("E2E_REWRITE_RECORD")
            cache = os.environ.get("JACKD_REWRITE_CACHE")
            if record and cache and os.environ.get("PYTEST_XDIST_WORKER"):
                entries = [name for name in os.listdir(cache) if not name.endswith(".lock")]
                with open(f"{record}/{os.environ['PYTEST_XDIST_WORKER']}.json", "w") as out:
                    json.dump({"cache": cache, "entries": len(entries)}, out)
    """))
    for module in MODULES:
        (root / f"{module}.py").write_text(textwrap.dedent("""
            def test_passes():
                assert [1, 2] == [1, 2]

            def test_fails():
                values = [1, 2]
                assert sum(values) == 4
        """))


def check_shared(result, record, project) -> None:
    """Both workers' failures have pytest's introspection, and their rewrites went to one directory that
    held every module of the project and is gone with the run."""
    check_report_shape(result)
    assert result.rc == 1, result.describe()
    assert "3 failed, 3 passed" in result.stdout, result.describe()
    # Each failure has pytest's introspection, which only a rewritten assert gives, in either worker.
    failures = section(result.stdout, "FAILURES")
    assert failures is not None and failures.count("where 3 = sum([1, 2])") == 3, result.stdout

    records = [json.loads(path.read_text()) for path in sorted(record.glob("gw*.json"))]
    assert len(records) == 2, result.describe()
    caches = {r["cache"] for r in records}
    assert len(caches) == 1, records  # one directory for the run
    # The conftest and the three modules at least (the environment's pytest plugins come on top).
    assert all(r["entries"] >= 1 + len(MODULES) for r in records), records
    assert not os.path.exists(caches.pop()), "the rewrite directory outlived the run"
    assert not list(project.rglob("*.pyc")), "a pyc was written into the project"


def test_local_workers_share_rewrites_in_a_directory_of_the_run(run_jackd, tmp_path):
    project = tmp_path / "project"
    write_project(project)
    record = tmp_path / "record"
    record.mkdir()
    # Every worker imports every module (--collection whole), so each module is wanted by both.
    result = run_jackd(project, "-n", "2", "--collection", "whole",
                       env={"PYTHONDONTWRITEBYTECODE": "1", "E2E_REWRITE_RECORD": record})
    check_shared(result, record, project)


def test_the_workers_of_a_remote_host_share_rewrites(start_jackd, jackd_bin, test_python, tmp_path):
    project = tmp_path / "project"
    write_project(project)
    record = tmp_path / "record"
    record.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    engine = start_jackd(project, "-n", "0", "--listen", address, "--insecure")
    # A remote host's workers each collect the whole suite.
    try:
        worker = subprocess.run(
            [jackd_bin, "worker", "--connect", address, "--python", test_python, "-n", "2", "--insecure"],
            cwd=project, env=clean_env({"PYTHONDONTWRITEBYTECODE": "1", "E2E_REWRITE_RECORD": record}),
            capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as timeout:  # a hang (the standby bug once): keep both sides' output
        engine.kill_everything()
        pytest.fail(f"jackd worker hung\n--- its output ---\n{timeout.stdout!r}\n{timeout.stderr!r}\n"
                    f"--- the engine's ---\n{engine.output_so_far()[-6000:]}", pytrace=False)
    result = engine.wait(RUN_TIMEOUT)
    # 1: some of its tests failed; 0: the other worker ran them all before this one connected.
    assert worker.returncode in (0, 1), worker.stdout + worker.stderr
    check_shared(result, record, project)
