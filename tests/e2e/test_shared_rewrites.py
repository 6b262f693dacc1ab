"""The run's workers share pytest's assertion rewrites (worker_shim/jackd_shim/rewrite_cache.py).

With PYTHONDONTWRITEBYTECODE set, pytest writes no pyc, so every worker used to rewrite every conftest,
plugin and test module it imported. The engine now gives its workers a directory of the run where each
module's rewrite is stored once; the shim's unit tests (tests/shim/test_rewrite_cache.py) show that a
module is rewritten once however many processes import it. Here: the engine hands the directory to real
workers, the rewrites land there, assertion messages stay pytest's, and nothing outlives the run.
"""
import json
import os
import textwrap

from jackd_e2e import check_report_shape, section

MODULES = ["test_a", "test_b", "test_c"]


def write_project(root):
    root.mkdir()
    (root / "conftest.py").write_text(textwrap.dedent("""
        import json, os

        def pytest_sessionfinish(session):
            # Where this worker's rewrites went, and what was there once its modules were imported.
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


def test_workers_share_rewrites_in_a_directory_of_the_run(run_jackd, tmp_path):
    project = tmp_path / "project"
    write_project(project)
    record = tmp_path / "record"
    record.mkdir()
    # Every worker imports every module (--collection whole), so each module is wanted by both.
    result = run_jackd(project, "-n", "2", "--collection", "whole",
                       env={"PYTHONDONTWRITEBYTECODE": "1", "E2E_REWRITE_RECORD": record})
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
