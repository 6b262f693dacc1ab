"""Distribution modes (`--dist`, `--dist-fallback`): which tests share a worker, in which order.

The dist_modes project records, for every test, its worker, pid and [start, end] on CLOCK_MONOTONIC, its
file, class (__qualname__) and xdist_group names, all taken from pytest's objects, and logs every module
and class fixture set-up. Its node IDs carry '::', '[', '@', spaces and non-ASCII text, so grouping that
parses node IDs instead of reading structured fields puts tests in the wrong units. A start barrier
(E2E_BARRIER) makes every worker take part, so co-location is never an accident of one worker running
everything.

A unit (a file under loadfile, a class or else a module under loadscope, an xdist group under loadgroup)
must run on one worker, back to back, in collection order.
"""
from collections import Counter, defaultdict

import pytest

from jackd_e2e import check_report_shape, read_events

PROJECT = "dist_modes"
WORKERS = 2
TESTS = 50

# Per project, what plain pytest collects and decides: the same for every run, so computed once.
_plain_cache: dict = {}


def plain_reference(project, run_pytest):
    """Plain pytest's run of the project, with `setups`: its module and class fixture set-ups."""
    if PROJECT not in _plain_cache:
        path = project(PROJECT)
        events = path / "plain-events.jsonl"
        plain = run_pytest(path, env={"E2E_EVENTS": str(events)})
        assert plain.rc == 0, plain.describe()
        assert len(plain.collected) == TESTS, plain.describe()
        outcomes = Counter(plain.outcome_map().values())
        assert outcomes == {"passed": TESTS - 2, "skipped": 1, "xfailed": 1}, outcomes
        plain.setups = Counter((e["scope"], e["key"]) for e in read_events(events, "setup"))
        _plain_cache[PROJECT] = plain
    return _plain_cache[PROJECT]


class Run:
    """One jackd run of the project: the result, the test records by node ID and the fixture set-ups."""

    def __init__(self, result, events, collected):
        self.result = result
        self.collected = collected
        self.records = {}
        for event in events:
            if event["kind"] == "test":
                assert event["node_id"] not in self.records, f"{event['node_id']} ran twice\n" + result.describe()
                self.records[event["node_id"]] = event
        self.setups = [event for event in events if event["kind"] == "setup"]
        self.position = {node_id: i for i, node_id in enumerate(collected)}

    def sequence(self, pid):
        """Node IDs that the process `pid` ran, in the order it ran them."""
        records = sorted((r for r in self.records.values() if r["pid"] == pid), key=lambda r: r["start"])
        return [r["node_id"] for r in records]

    def workers_used(self):
        return {r["worker"] for r in self.records.values()}

    def setup_counts(self, scope):
        return Counter(event["key"] for event in self.setups if event["scope"] == scope)


def run_mode(project, run_jackd, run_pytest, tmp_path, *args, barrier=WORKERS) -> Run:
    """Runs jackd with `args` on two workers and checks what holds in every mode: the outcomes are plain
    pytest's, every test is reported and ran exactly once, on the worker the report names. No test
    starts before `barrier` workers are running."""
    plain = plain_reference(project, run_pytest)
    events_path = tmp_path / "events.jsonl"
    result = run_jackd(project(PROJECT), "-n", str(WORKERS), *args,
                       env={"E2E_EVENTS": events_path, "E2E_BARRIER": barrier})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == plain.outcome_map(), result.describe()
    assert [t["node_id"] for t in result.tests] == plain.collected, "tests not reported in collection order"
    run = Run(result, read_events(events_path), plain.collected)
    assert sorted(run.records) == sorted(plain.collected), (
        f"tests that never ran: {sorted(set(plain.collected) - set(run.records))}\n" + result.describe()
    )
    for test in result.tests:
        assert run.records[test["node_id"]]["worker"] == test["worker"], (test, run.records[test["node_id"]])
    # One process per worker id: a test's worker id and pid agree.
    assert len({(r["worker"], r["pid"]) for r in run.records.values()}) == len(run.workers_used())
    # Every mode here has more units than workers, so no worker may be left without a test.
    waited = sorted({r["worker"] for r in run.records.values() if r["barrier_timed_out"]})
    assert not waited, f"{waited} waited in vain for the other workers to get a test\n" + result.describe()
    assert result.report["dist"] == args[args.index("--dist") + 1]
    return run


def assert_units(run: Run, key, what: str) -> dict:
    """Tests with the same key(record) (None: a unit of its own) ran in one process, back to back, in
    collection order. Returns {key: [node IDs in collection order]}."""
    units = defaultdict(list)
    for node_id in run.collected:
        unit_key = key(run.records[node_id])
        if unit_key is not None:
            units[unit_key].append(node_id)
    assert len(units) > 1, f"the project has too few {what} units to check anything: {dict(units)}"
    for unit_key, members in units.items():
        pids = {run.records[m]["pid"] for m in members}
        assert len(pids) == 1, (
            f"{what} {unit_key!r} was split across workers: "
            + str({m: run.records[m]["worker"] for m in members})
            + "\n" + run.result.describe()
        )
        sequence = run.sequence(pids.pop())
        first = sequence.index(members[0])
        ran = sequence[first : first + len(members)]
        assert ran == members, (
            f"{what} {unit_key!r} did not run back to back in collection order on its worker:\n"
            f"expected {members}\nworker ran {sequence}"
        )
    return dict(units)


def file_key(record):
    return record["file"]


def scope_key(record):
    return (record["file"], record["cls"])


def group_key(record):
    # pytest-xdist's rule: the distinct names of every xdist_group mark, sorted, joined with '_'.
    return "_".join(record["groups"]) if record["groups"] else None


# ---------------------------------------------------------------------------------------------------


def test_load_uses_every_worker_and_runs_each_test_once(project, run_jackd, run_pytest, tmp_path):
    run = run_mode(project, run_jackd, run_pytest, tmp_path, "--dist", "load")
    assert run.result.report["workers"] == WORKERS
    assert run.workers_used() == {f"gw{i}" for i in range(WORKERS)}, run.result.describe()


def test_loadfile_keeps_each_file_on_one_worker_in_order(project, run_jackd, run_pytest, tmp_path):
    run = run_mode(project, run_jackd, run_pytest, tmp_path, "--dist", "loadfile")
    units = assert_units(run, file_key, "file")
    assert len(units) == 7, sorted(units)
    # Sent whole: each module fixture is set up exactly once in the whole run.
    assert run.setup_counts("module") == {name: 1 for name in units}, run.setups
    # Files of several sizes went to both workers (the barrier made both take part).
    assert run.workers_used() == {f"gw{i}" for i in range(WORKERS)}, run.result.describe()


def test_loadscope_keeps_each_class_else_each_module_together(project, run_jackd, run_pytest, tmp_path):
    run = run_mode(project, run_jackd, run_pytest, tmp_path, "--dist", "loadscope")
    units = assert_units(run, scope_key, "scope")
    # The innermost class is the scope: TestOuter's own tests and TestOuter.TestInner's are two units.
    assert ("test_b_classes.py", "TestOuter") in units and ("test_b_classes.py", "TestOuter.TestInner") in units
    assert units[("test_b_classes.py", "TestOuter")] == [
        "test_b_classes.py::TestOuter::test_outer_one",
        "test_b_classes.py::TestOuter::test_outer_two",
    ]
    # Module-level tests of a file with classes form one unit of their own; parametrize ids with '::'
    # do not split a module into pieces.
    assert len(units[("test_b_classes.py", None)]) == 2
    assert len(units[("test_a_big.py", None)]) == 11
    # Each class fixture is set up exactly once; so is the module fixture of a file without classes.
    classes = {f"{file}::{cls}" for file, cls in units if cls is not None}
    assert run.setup_counts("class") == {name: 1 for name in classes}, run.setups
    modules = run.setup_counts("module")
    for file in ("test_a_big.py", "test_c_single.py", "test_g_medium.py", "sub dir@2/test_e_spaced.py"):
        assert modules[file] == 1, (file, modules)


@pytest.mark.parametrize("fallback", ["load", "loadfile", "loadscope"])
def test_loadgroup_keeps_each_group_together_and_places_the_rest_by_fallback(
    project, run_jackd, run_pytest, tmp_path, fallback
):
    run = run_mode(project, run_jackd, run_pytest, tmp_path, "--dist", "loadgroup", "--dist-fallback", fallback)
    groups = assert_units(run, group_key, "xdist_group")
    # The merged names, as pytest-xdist forms them (a test with marks 'a' and 'b' joins group 'a_b').
    assert groups["alpha"] == [
        "test_a_big.py::test_alpha_in_big",
        "test_f_groups.py::test_alpha_one",
        "test_f_groups.py::test_alpha_two",
    ]
    assert groups["a_b"] == ["test_f_groups.py::test_named_a_b", "test_f_groups.py::TestGroupB::test_a_and_b"]
    assert groups["b"] == ["test_f_groups.py::TestGroupB::test_only_b", "test_f_groups.py::TestGroupB::test_b_twice"]
    assert groups["default"] == ["test_f_groups.py::test_default_group", "test_f_groups.py::test_named_default"]
    assert groups["mod@group"] == ["sub dir@2/test_e_spaced.py::test_first", "sub dir@2/test_e_spaced.py::test_third"]
    assert groups["mod@group_zeta"] == ["sub dir@2/test_e_spaced.py::test_second_also_zeta"]
    assert len(groups["db::primary[0] @ü"]) == 3
    if fallback == "load":
        return
    fallback_key = file_key if fallback == "loadfile" else scope_key
    ungrouped = assert_units(
        run, lambda r: None if r["groups"] else fallback_key(r), f"ungrouped {fallback} scope"
    )
    assert ungrouped[("test_f_groups.py" if fallback == "loadfile" else ("test_f_groups.py", None))] == [
        "test_f_groups.py::test_ungrouped_one",
        "test_f_groups.py::test_ungrouped_two",
    ]


def test_worksteal_runs_every_test_once_on_every_worker(project, run_jackd, run_pytest, tmp_path):
    run = run_mode(project, run_jackd, run_pytest, tmp_path, "--dist", "worksteal")
    assert run.result.report["workers"] == WORKERS
    assert run.workers_used() == {f"gw{i}" for i in range(WORKERS)}, run.result.describe()


def test_dist_no_runs_everything_on_one_worker_in_collection_order(project, run_jackd, run_pytest, tmp_path):
    run = run_mode(project, run_jackd, run_pytest, tmp_path, "--dist", "no", barrier=1)
    assert run.result.report["workers"] == 1, run.result.describe()
    pids = {r["pid"] for r in run.records.values()}
    assert len(pids) == 1 and run.workers_used() == {"gw0"}, run.records
    assert run.sequence(pids.pop()) == run.collected
    # One process, one pass over the files: every module and class fixture set up once, as in plain pytest
    # (pytest 7 sets the class fixture of an outer class up again for its nested class).
    assert set(run.setup_counts("module").values()) == {1}
    plain = plain_reference(project, run_pytest)
    assert run.setup_counts("class") == {key: n for (scope, key), n in plain.setups.items() if scope == "class"}
