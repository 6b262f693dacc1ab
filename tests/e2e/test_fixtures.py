"""Scoped fixtures keep pytest's lifetimes: set up once per scope per worker, always torn down.

The fixture_counts project logs "<pid> <setup|teardown> <scope> <name>" for its session-, module- and
class-scoped fixtures. A worker that got a module's tests in pieces, or ran them with a wrong nextitem,
sets the module fixture up twice or never tears it down.
"""
from collections import Counter

import pytest

from jackd_e2e import check_report_shape

MODULES = [f"test_{name}" for name in ("alpha", "beta", "gamma", "delta", "epsilon")]
TESTS_PER_MODULE = 8


def read_log(path):
    entries = []
    for line in path.read_text().splitlines():
        pid, event, scope, name = line.split(" ", 3)
        entries.append((int(pid), event, scope, name))
    return entries


def run_with_log(project, run_jackd, tmp_path, *args):
    log = tmp_path / "fixtures.log"
    result = run_jackd(project("fixture_counts"), *args, env={"E2E_FIXTURE_LOG": log})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.report["summary"].get("passed") == len(MODULES) * TESTS_PER_MODULE, result.report["summary"]
    return result, read_log(log)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_each_scope_is_set_up_once_per_worker_and_torn_down(project, run_jackd, tmp_path, workers):
    result, entries = run_with_log(project, run_jackd, tmp_path, "-n", workers)
    setups = Counter((pid, scope, name) for pid, event, scope, name in entries if event == "setup")
    teardowns = Counter((pid, scope, name) for pid, event, scope, name in entries if event == "teardown")
    repeated = {key: count for key, count in setups.items() if count > 1}
    assert not repeated, f"fixtures set up more than once in one worker: {repeated}\n" + result.describe()
    assert setups == teardowns, f"setups {setups}\nteardowns {teardowns}"
    # Every module and class fixture ran somewhere, and in no more workers than there are.
    modules = Counter(name for _, scope, name in setups if scope == "module")
    assert sorted(modules) == sorted(MODULES), modules
    classes = Counter(name for _, scope, name in setups if scope == "class")
    assert sorted(classes) == sorted(f"{m}.TestWithClassFixture" for m in MODULES), classes
    worker_count = result.report["workers"]
    assert worker_count == int(workers), result.report["workers"]
    assert all(count <= worker_count for count in modules.values()), modules
    # The session fixture: once in every process that ran tests, and only there.
    session_pids = sorted(pid for pid, scope, _ in setups if scope == "session")
    test_pids = sorted({pid for pid, _, scope, _ in entries if scope != "session"})
    assert session_pids == test_pids, (session_pids, test_pids)
    assert len(session_pids) <= worker_count


def test_single_worker_matches_plain_pytest_exactly(project, run_jackd, run_pytest, tmp_path):
    _, jackd_entries = run_with_log(project, run_jackd, tmp_path, "-n", "1")
    plain_log = tmp_path / "plain.log"
    plain = run_pytest(project("fixture_counts"), env={"E2E_FIXTURE_LOG": plain_log})
    assert plain.rc == 0, plain.describe()
    plain_entries = read_log(plain_log)
    assert len({pid for pid, *_ in jackd_entries}) == 1
    assert sorted(entry[1:] for entry in jackd_entries) == sorted(entry[1:] for entry in plain_entries)


def test_class_fixture_is_torn_down_before_the_next_module_test(project, run_jackd, tmp_path):
    # pytest tears a class fixture down when the next item leaves the class. With one worker the log of
    # each module must read: module setup, class setup, class teardown, module teardown, in that order.
    _, entries = run_with_log(project, run_jackd, tmp_path, "-n", "1")
    for module in MODULES:
        events = [
            (event, scope)
            for _, event, scope, name in entries
            if name in (module, f"{module}.TestWithClassFixture")
        ]
        assert events == [
            ("setup", "module"),
            ("setup", "class"),
            ("teardown", "class"),
            ("teardown", "module"),
        ], (module, events)
