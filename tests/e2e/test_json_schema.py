"""--json-report validates against docs/json-report.schema.json, and its times and metadata are true.

The schema is checked with the `jsonschema` package (draft 2020-12) on reports of real runs: every common
outcome with a rerun, a crash, and a run that ends at collection.
"""
import copy
import datetime
import json
import subprocess
from collections import defaultdict

import jsonschema
import pytest

from jackd_e2e import REPO, check_report_shape

SCHEMA_PATH = REPO / "docs" / "json-report.schema.json"
# Times are rounded to the microsecond; comparisons allow for that.
TIME_SLACK = 2e-6


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(validator, report) -> list:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(report)]


def runs_of(report):
    """(node ID, attempt number or None for the deciding run, entry) for every run of every test."""
    for test in report["tests"]:
        for number, attempt in enumerate(test.get("attempts", [])):
            yield test["node_id"], number, attempt
        yield test["node_id"], None, test


def check_times(report) -> None:
    """0 <= start <= stop <= duration for every run that reached a worker; runs on one worker never overlap."""
    by_worker = defaultdict(list)
    for node_id, number, run in runs_of(report):
        if run["worker"] is None:
            assert run["start"] is None and run["stop"] is None, (node_id, run)
            continue
        start, stop = run["start"], run["stop"]
        assert start is not None and stop is not None, (node_id, number, run)
        assert 0 <= start <= stop <= report["duration"] + TIME_SLACK, (node_id, number, start, stop, report["duration"])
        # The phases happen between start and stop.
        assert run["duration"] <= stop - start + 1e-3, (node_id, number, run)
        by_worker[run["worker"]].append((start, stop, node_id, number))
    for worker, spans in by_worker.items():
        spans.sort()
        for before, after in zip(spans, spans[1:]):
            assert before[1] <= after[0] + TIME_SLACK, f"two runs overlap on {worker}: {before} and {after}"
    assert report["worker_ids"] == sorted(by_worker, key=lambda w: int(w[2:])), (report["worker_ids"], sorted(by_worker))


def test_a_real_run_matches_the_schema_and_its_times_are_consistent(project, run_jackd, test_python, validator):
    before = datetime.datetime.now(datetime.timezone.utc)
    result = run_jackd(project("report"), "-n", "2")
    after = datetime.datetime.now(datetime.timezone.utc)
    check_report_shape(result)
    report = result.report
    assert schema_errors(validator, report) == [], result.describe()
    outcomes = result.outcome_map()
    assert set(outcomes.values()) == {"passed", "failed", "error", "skipped", "xfailed", "xpassed", "flaky"}, outcomes
    flaky = next(t for t in report["tests"] if t["outcome"] == "flaky")
    assert [a["outcome"] for a in flaky["attempts"]] == ["failed"], flaky
    check_times(report)

    # Run metadata.
    started = datetime.datetime.fromisoformat(report["started_at"].replace("Z", "+00:00"))
    assert before - datetime.timedelta(seconds=1) <= started <= after, (before, started, after)
    assert report["duration"] <= (after - before).total_seconds() + 1
    assert report["command_line"] == [str(a) for a in result.args]
    assert report["exit_code"] == result.rc == 1
    assert report["workers"] == 2
    versions = subprocess.run(
        [test_python, "-c", "import platform, sys, pluggy, pytest; "
         "print(pytest.__version__, pluggy.__version__, platform.python_version(), sys.platform)"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()
    assert [report[k] for k in ("pytest_version", "pluggy_version", "python_version", "platform")] == versions
    assert report["jackd_version"] and report["system"].startswith("Linux ")


def test_the_schema_rejects_what_it_does_not_describe(project, run_jackd, validator):
    report = run_jackd(project("report"), "-n", "1", "-k", "test_passes or test_fails").report
    assert schema_errors(validator, report) == []
    missing = copy.deepcopy(report)
    del missing["tests"][0]["start"]
    assert schema_errors(validator, missing)
    unknown = copy.deepcopy(report)
    unknown["tests"][0]["colour"] = "red"
    assert schema_errors(validator, unknown)
    backwards = copy.deepcopy(report)
    backwards["tests"][0]["stop"] = -1.0
    assert schema_errors(validator, backwards)


def test_a_crash_and_its_replacement_worker_keep_times_consistent(project, run_jackd, validator, tmp_path):
    # The crash project's conftest kills the worker only when E2E_CRASH says so (tests/e2e/test_crash.py).
    env = {"E2E_CRASH": "1", "E2E_CRASH_DIR": tmp_path}
    result = run_jackd(project("crash"), "-n", "2", "test_segfault.py", "test_bystander.py", env=env)
    report = result.report
    assert schema_errors(validator, report) == [], result.describe()
    assert result.outcome_map()["test_segfault.py::test_segfault"] == "crashed", result.describe()
    check_times(report)


def test_a_run_that_ends_at_collection_has_no_times(project, run_jackd, validator):
    result = run_jackd(project("collection_error"))
    report = result.report
    assert result.rc == 2 and report is not None, result.describe()
    assert schema_errors(validator, report) == []
    assert report["tests"] and all(t["start"] is None and t["stop"] is None for t in report["tests"])
    assert report["worker_ids"] == [] and report["collection_errors"]


def test_a_file_skipped_whole_is_listed_as_pytest_counts_it(project, run_jackd, validator):
    """pytest's final line counts a module-level skip as skipped; the report lists it beside the tests."""
    result = run_jackd(project("mixed"), "-n", "2", "test_mixed.py", "test_module_skip.py")
    report = result.report
    assert report is not None and schema_errors(validator, report) == [], result.describe()
    assert report["collection_skips"] == [{"node_id": "test_module_skip.py", "reason": "e2e whole module skipped",
                                           "location": "test_module_skip.py:3"}]
    assert not any(t["node_id"].startswith("test_module_skip.py") for t in report["tests"])
