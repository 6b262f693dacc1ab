"""Split collection (`--collection split`, the default): the prestarted workers collect a share of the
files each, the engine merges the shares, and a worker handed tests of a file it did not collect collects
that file then.

The `split` project has twelve modules of five tests; each records the process that imported it
(E2E_IMPORT_LOG) and each test the process that ran it (E2E_RUN_LOG). Its conftest skips `slow` tests in
pytest_collection_modifyitems, as pytest's documentation shows.
"""
from collections import defaultdict

import pytest

from fault_checks import check_all_accounted

MODULES = [f"test_m{i:02d}" for i in range(12)]
TOTAL = len(MODULES) * 5
SLOW = {f"{module}.py::test_slow" for module in MODULES}


def pids_by_key(log, key=lambda text: text) -> dict:
    """{key(text): {pids}} from "<pid> <text>" lines."""
    found = defaultdict(set)
    if log.exists():
        for line in log.read_text().splitlines():
            pid, text = line.split(" ", 1)
            found[key(text)].add(int(pid))
    return dict(found)


def run_split(project, run_jackd, tmp_path, *args, env=None):
    imports, runs = tmp_path / "imports.log", tmp_path / "runs.log"
    result = run_jackd(project("split"), *args, env={"E2E_IMPORT_LOG": imports, "E2E_RUN_LOG": runs, **(env or {})})
    outcomes = check_all_accounted(result, TOTAL)
    assert result.rc == 0, result.describe()
    # The conftest's modifyitems skipped every slow test, also in workers that collected its file late.
    assert {k for k, v in outcomes.items() if v == "skipped"} == SLOW, outcomes
    assert set(outcomes.values()) == {"passed", "skipped"}, outcomes
    imported = pids_by_key(imports)
    ran = pids_by_key(runs, key=lambda node_id: node_id.split(".py::")[0])
    assert set(imported) == set(MODULES), imported
    return result, imported, ran


def test_every_worker_imports_every_module_once_in_pytests_order(project, run_jackd, tmp_path):
    # As pytest does before its first test, whichever files a worker collected (test_import_state.py
    # shows why it matters).
    imports = tmp_path / "imports.log"
    run_split(project, run_jackd, tmp_path, "-n", "2")
    order = defaultdict(list)
    for line in imports.read_text().splitlines():
        pid, module = line.split(" ", 1)
        order[int(pid)].append(module)
    assert len(order) == 2 and all(modules == MODULES for modules in order.values()), dict(order)


def test_lazy_collection_collects_each_file_once_and_imports_it_elsewhere_only_to_run_its_tests(
        project, run_jackd, tmp_path):
    _, imported, ran = run_split(project, run_jackd, tmp_path, "-n", "2", "--collection", "lazy")
    for module in MODULES:
        # One process collected the module for the engine; any other that imported it ran its tests.
        without_tests = imported[module] - ran.get(module, set())
        assert len(without_tests) <= 1, (module, imported, ran)
    # That workers run mostly the files they collected is the scheduler's rule (PreferCollectors, unit
    # tested); here it cannot be asserted: a worker ready a moment before the other runs trivial tests of
    # both queues.


def test_a_file_slow_to_import_holds_up_no_other_file(project, run_jackd, run_pytest, tmp_path):
    # test_m00 takes 4 s to import. Whichever worker collects it, the other one has walked its own files
    # and taken (stolen) every other file meanwhile, so nothing waits behind the slow file. Under a fixed
    # split its owner would collect five more files after it. (Under `split` every worker imports every
    # module, so each pays the 4 s, as under pytest-xdist; `lazy` is the mode for slow imports.)
    imports = tmp_path / "imports.log"
    result = run_jackd(project("split"), "-n", "2", "--collection", "lazy",
                       env={"E2E_IMPORT_LOG": imports, "E2E_SLOW_IMPORT": "test_m00", "E2E_SLOW_IMPORT_SECONDS": "4"})
    check_all_accounted(result, TOTAL)
    assert result.rc == 0, result.describe()
    assert "exited with" not in result.stdout + result.stderr, result.describe()  # no worker ended oddly
    # Tests run only once every file is collected, so a module's first import is its collection.
    collector = {}
    for line in imports.read_text().splitlines():
        pid, module = line.split(" ", 1)
        collector.setdefault(module, int(pid))
    assert set(collector) == set(MODULES), collector
    slow_collector_order = [module for module, pid in collector.items() if pid == collector["test_m00"]]
    # Bounded generously: the other worker walks and collects eleven small files in well under 4 s.
    assert slow_collector_order[-1] == "test_m00", collector
    # Stolen files came last in their collector's share; the merge still keeps pytest's order.
    assert [t["node_id"] for t in result.tests] == run_pytest(project("split"), "--collect-only", "-q").collected


def test_whole_collection_imports_every_file_in_every_worker(project, run_jackd, tmp_path):
    _, imported, _ = run_split(project, run_jackd, tmp_path, "-n", "2", "--collection", "whole")
    assert all(len(pids) == 2 for pids in imported.values()), imported


def test_a_group_across_files_runs_on_one_worker_that_collects_the_other_file(project, run_jackd, tmp_path):
    # Groups pair the modules 0+1, 2+3, ...: under a split of two, each pair has one module per worker.
    _, imported, ran = run_split(project, run_jackd, tmp_path, "-n", "2", "--dist", "loadgroup")
    for first in range(0, 12, 2):
        pair = [MODULES[first], MODULES[first + 1]]
        runners = ran[pair[0]] | ran[pair[1]]
        assert len(runners) == 1, (pair, ran)
        # The runner imported both modules: it collected them, or one of them on demand when the split
        # collection had given it to the other worker.
        assert all(runners <= imported[module] for module in pair), (pair, imported, ran)


def test_the_merged_collection_keeps_pytests_order(project, run_jackd, run_pytest, tmp_path):
    result, _, _ = run_split(project, run_jackd, tmp_path, "-n", "3")
    listing = run_pytest(project("split"), "--collect-only", "-q")
    assert [t["node_id"] for t in result.tests] == listing.collected, result.describe()


def test_workers_started_later_collect_only_the_files_they_run(project, run_jackd, tmp_path):
    # Six groups for eight requested workers: the eight prestarted ones do not fit, so six new ones start,
    # with no share: under `lazy` each imports only the modules of the group it is given (under `split`,
    # every module: test_import_state.py).
    result, imported, ran = run_split(project, run_jackd, tmp_path, "-n", "8", "--dist", "loadgroup",
                                      "--collection", "lazy")
    assert result.report["workers"] == 6, result.describe()
    runners = {pid for pids in ran.values() for pid in pids}
    assert runners, ran
    # One prestarted worker collected the module for the engine, one new worker ran it.
    assert all(len(pids) <= 2 for pids in imported.values()), imported
    for pid in runners:
        assert {m for m, pids in imported.items() if pid in pids} == {m for m, pids in ran.items() if pid in pids}, (
            pid, imported, ran)


def test_the_merged_digest_equals_a_whole_collections(project, run_jackd):
    # A shard's JSON report carries the collection digest: the engine's (C++) over the merged shares, and
    # the shim's (Python) over one whole collection. Workers of both kinds are compared against it.
    digests = {}
    for collection in ("split", "whole"):
        result = run_jackd(project("split"), "-n", "2", "--collection", collection, "--shard", "1/1")
        assert result.rc == 0, result.describe()
        digests[collection] = result.report["shard"]["collection_digest"]
    assert digests["split"] == digests["whole"] and len(digests["split"]) == 64, digests


def test_options_that_need_the_whole_collection_get_it(project, run_jackd, tmp_path):
    # --ff orders by the last failures over the whole collection; a node-ID argument is matched inside
    # its file while collecting. Both make every worker collect everything.
    _, imported, _ = run_split(project, run_jackd, tmp_path, "-n", "2", "--ff")
    assert all(len(pids) == 2 for pids in imported.values()), imported
    imports = tmp_path / "node-id-imports.log"
    result = run_jackd(project("split"), "-n", "2", "test_m00.py::test_fast", "test_m01.py", "test_m02.py",
                       env={"E2E_IMPORT_LOG": imports})
    assert result.rc == 0, result.describe()
    assert len(check_all_accounted(result, 4 + 5 + 5)) == 14
    assert all(len(pids) == 2 for pids in pids_by_key(imports).values()), imports.read_text()


def test_a_worker_slow_to_start_is_not_waited_for_when_the_others_collected_every_file(
        project, run_jackd, tmp_path):
    # gw1 waits in pytest_configure until some test has run. gw0 walks every file, collects its own and
    # steals gw1's, so its share alone holds every file: the engine merges without gw1's share, gw0 runs
    # tests, and gw1 then finds nothing left to collect and joins. Were the engine to wait for gw1's
    # share, no test could run until gw1 gave up.
    late_log = tmp_path / "late.log"
    result, _, _ = run_split(project, run_jackd, tmp_path, "-n", "2",
                             env={"E2E_LATE_WORKER": "gw1", "E2E_LATE_WORKER_SECONDS": "60",
                                  "E2E_LATE_LOG": late_log})
    assert late_log.read_text() == "saw a test\n", result.describe()


def test_a_worker_that_exits_after_writing_its_share_is_not_waited_for(project, run_jackd, tmp_path):
    # gw0 waits 3 s before it collects, so gw1 collects every file, writes its share and exits before it
    # connects. The engine reaped it while it waited for share 0, so it must not take it as a worker: it
    # starts workers of its own. It used to wait for that worker forever.
    env = {"E2E_EXIT_AFTER_SHARE": "gw1", "E2E_LATE_WORKER": "gw0", "E2E_LATE_WORKER_SECONDS": "3",
           "E2E_RUN_LOG": tmp_path / "runs.log"}
    result = run_jackd(project("split"), "-n", "2", env=env, timeout=60)
    check_all_accounted(result, TOTAL)
    assert result.rc == 0, result.describe()


def write_doctest_suite(root):
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "helpers.py").write_text('def double(x):\n    """\n    >>> double(2)\n    4\n    """\n    return 2 * x\n')
    for i in range(4):
        (root / f"test_doc{i}.py").write_text(
            f'def inc(x):\n    """\n    >>> inc({i})\n    {i + 1}\n    """\n    return x + 1\n\n\n'
            f"def test_first():\n    assert inc({i}) == {i + 1}\n\n\ndef test_second():\n    pass\n")


def test_doctest_modules_lose_no_test_in_a_split_collection(project, run_jackd, run_pytest, tmp_path):
    # --doctest-modules gives every test file two collectors with one node ID (its Module and its
    # DoctestModule). A worker used to collect one of them and defer the other for good: its tests
    # vanished from the run without a word.
    source = tmp_path / "doctests"
    write_doctest_suite(source)
    path = project(source)
    expected = run_pytest(path, "--doctest-modules", "--collect-only", "-q").collected
    assert len(expected) == 13, expected  # 4 x (1 doctest + 2 tests) + helpers.py's doctest
    for workers in ("2", "3"):
        result = run_jackd(path, "-n", workers, "--doctest-modules")
        outcomes = check_all_accounted(result, len(expected))
        assert result.rc == 0, result.describe()
        assert [t["node_id"] for t in result.tests] == expected
        assert set(outcomes.values()) == {"passed"}, outcomes


@pytest.mark.parametrize("workers", ["2", "3"])
def test_files_imported_under_one_name_collect_as_in_one_process(project, run_jackd, run_pytest, workers):
    # `a/test_same.py`, `b/test_same.py` and `c/test_same.py` are all module `test_same`, and so on (see
    # the project's pytest.ini): in one process only the first of each name collects. Split over workers,
    # each would collect in some worker, and more tests would run than under pytest.
    path = project("clashing_names")
    plain = run_pytest(path, "--continue-on-collection-errors")
    assert plain.rc == 1 and "import file mismatch" in plain.stdout, plain.describe()
    for _ in range(2):  # the same each time, whichever worker is first to claim a file
        result = run_jackd(path, "-n", workers, "--continue-on-collection-errors")
        assert result.rc == plain.rc, result.describe()
        assert result.outcome_map() == plain.outcome_map(), result.describe()
        errors = sorted(error["node_id"] for error in result.report["collection_errors"])
        assert errors == ["b/test_other.py", "b/test_same.py", "c/test_same.py", "q/tests/test_packaged.py"], (
            result.describe())
