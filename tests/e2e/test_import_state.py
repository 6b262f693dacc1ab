"""Pytest's import state by default (issue 25): before its first test, every worker has imported every
collected test module, in pytest's order, as pytest has, so tests that depend on what importing other
test modules does get pytest's outcomes. The `import_state` project (see its README) has four such
dependencies: a skipif on sys.modules (at import and at setup), a registry filled at import, a function
patched at import, and warning filters set at import that make a later module fail to collect.
"""
import pytest

from test_outcomes import assert_same_outcomes

COLLECTION_ERRORS = ["test_03_warns.py"]


def collection_errors(result) -> list:
    return sorted(error["node_id"] for error in result.report["collection_errors"])


@pytest.fixture
def plain(project, run_pytest):
    result = run_pytest(project("import_state"), "--continue-on-collection-errors")
    assert result.outcome_map(), result.describe()
    assert set(result.outcome_map().values()) == {"passed", "skipped"}, result.describe()
    return result


@pytest.mark.parametrize("args", [
    pytest.param((), id="default"),
    pytest.param(("--dist", "loadfile"), id="loadfile"),
    pytest.param(("--dist", "worksteal"), id="worksteal"),
    pytest.param(("--collection", "whole"), id="whole"),
])
def test_outcomes_equal_pytests_when_imports_change_what_tests_see(project, run_jackd, plain, args):
    result = run_jackd(project("import_state"), "-n", "2", "--continue-on-collection-errors", *args)
    assert_same_outcomes(result, plain)
    assert collection_errors(result) == COLLECTION_ERRORS, result.describe()
    assert result.rc == plain.rc == 1, result.describe()


def test_workers_started_after_the_split_import_every_module_too(project, run_jackd, plain):
    # Under loadgroup the r-files are one group: four units, so the eight prestarted workers do not fit
    # and the run starts four of its own, which collect no share up front (as replacements do).
    result = run_jackd(project("import_state"), "-n", "8", "--dist", "loadgroup", "--continue-on-collection-errors")
    assert result.report["workers"] == 4, result.describe()
    assert_same_outcomes(result, plain)
    assert collection_errors(result) == COLLECTION_ERRORS, result.describe()


def test_lazy_collection_imports_only_what_a_worker_collects_or_runs(project, run_jackd, plain):
    # The opt-out, faster when test modules are slow to import, does not give pytest's outcomes here;
    # the same run without it (above) does only because the workers import the deferred modules.
    result = run_jackd(project("import_state"), "-n", "2", "--continue-on-collection-errors",
                       "--collection", "lazy")
    # pytest's map has no failure at all (the fixture above checks it).
    assert "failed" in result.outcome_map().values(), result.describe()
