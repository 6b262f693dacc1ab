"""jackd's outcome per test equals plain pytest's, test by test, and every collected test is reported once."""
import pytest

from jackd_e2e import REPO, check_report_shape, section, subsections


def assert_same_outcomes(jackd, plain):
    """Both runs reported the same tests with the same outcome each (the diff names every mismatch)."""
    ours = jackd.outcome_map()
    theirs = plain.outcome_map()
    mismatches = {
        node_id: {"jackd": ours.get(node_id, "<missing>"), "pytest": theirs.get(node_id, "<missing>")}
        for node_id in sorted(set(ours) | set(theirs))
        if ours.get(node_id) != theirs.get(node_id)
    }
    assert not mismatches, f"outcomes differ from plain pytest: {mismatches}\n" + jackd.describe()


@pytest.mark.parametrize("workers", ["2", "1"])
def test_mixed_outcomes_equal_plain_pytest(project, run_jackd, run_pytest, workers):
    path = project("mixed")
    plain = run_pytest(path)
    jackd = run_jackd(path, "-n", workers)
    check_report_shape(jackd)
    assert_same_outcomes(jackd, plain)
    assert jackd.rc == plain.rc == 1, jackd.describe()


def test_demo_outcomes_equal_plain_pytest(project, run_jackd, run_pytest):
    demo = REPO / "examples" / "demo"
    if not (demo / "pytest.ini").exists() and not (demo / "pyproject.toml").exists():
        pytest.skip("examples/demo does not exist yet")
    path = project(demo)
    plain = run_pytest(path)
    assert plain.collected, "plain pytest collected nothing from examples/demo\n" + plain.describe()
    jackd = run_jackd(path)
    check_report_shape(jackd)
    assert_same_outcomes(jackd, plain)
    assert jackd.rc == plain.rc, jackd.describe()


@pytest.mark.parametrize("name", ["mixed", "many", "fixture_counts"])
def test_every_collected_test_is_reported_exactly_once(project, run_jackd, run_pytest, name):
    path = project(name)
    collected = run_pytest(path, "--collect-only").collected
    assert collected
    jackd = run_jackd(path, "-n", "2")
    reported = [t["node_id"] for t in jackd.tests]
    assert sorted(reported) == sorted(collected), jackd.describe()
    assert len(reported) == len(set(reported)), "a test was reported twice\n" + jackd.describe()


def test_200_tests_on_two_workers_all_pass_once(project, run_jackd):
    jackd = run_jackd(project("many"), "-n", "2")
    check_report_shape(jackd)
    assert jackd.rc == 0, jackd.describe()
    assert jackd.report["summary"].get("passed") == 200
    assert len({t["node_id"] for t in jackd.tests}) == 200


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["-k", "TestGroup or ids"], id="keyword"),
        pytest.param(["-m", "slow"], id="mark"),
        pytest.param(["-m", "not slow", "test_mixed.py"], id="mark-and-path"),
        pytest.param(["test_mixed.py::TestGroup", "test_mixed.py::test_ids[a::b]"], id="node-ids"),
        pytest.param(["-o", "xfail_strict=true"], id="ini-option"),
        pytest.param(["-p", "no:unittest"], id="plugin-disabled"),
    ],
)
def test_selection_and_options_pass_through_to_pytest(project, run_jackd, run_pytest, args):
    path = project("mixed")
    plain = run_pytest(path, *args)
    assert plain.collected, "the selection must select something\n" + plain.describe()
    jackd = run_jackd(path, "-n", "2", *args)
    check_report_shape(jackd)
    assert_same_outcomes(jackd, plain)
    assert jackd.rc == plain.rc, jackd.describe()


def test_strict_xfail_ini_option_changes_the_outcome(project, run_jackd):
    # Guards the ini-option case above against a vacuous pass: the option really changes something.
    jackd = run_jackd(project("mixed"), "-o", "xfail_strict=true", "test_mixed.py::test_xpass")
    assert jackd.outcome_map() == {"test_mixed.py::test_xpass": "failed"}, jackd.describe()
    assert jackd.rc == 1


SUBTESTS_SUITE = """
import unittest


class Numbers(unittest.TestCase):
    def test_two_fail(self):
        for i in range(4):
            with self.subTest(i=i):
                self.assertLess(i, 2)

    def test_all_pass(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertGreaterEqual(i, 0)


def test_fixture(subtests):
    for i in range(3):
        with subtests.test(msg="x", i=i):
            assert i != 1


def test_plain():
    pass
"""


def test_a_failed_subtest_fails_its_test_and_is_shown_under_its_own_title(project, tmp_path, run_jackd, run_pytest,
                                                                           test_pytest_version):
    """pytest 9's subtests (unittest's subTest, the `subtests` fixture): a test with a failed subtest is one
    failed test; every failed subtest's traceback is shown under pytest's title for it."""
    if test_pytest_version < (9, 0):
        pytest.skip(f"subtests are built into pytest 9, not {test_pytest_version}")
    source = tmp_path / "subtests"
    source.mkdir()
    (source / "pytest.ini").write_text("[pytest]\n")
    (source / "test_subtests.py").write_text(SUBTESTS_SUITE)
    path = project(source)
    plain = run_pytest(path)
    jackd = run_jackd(path, "-n", "2")
    check_report_shape(jackd)
    assert_same_outcomes(jackd, plain)
    assert jackd.outcome_map() == {
        "test_subtests.py::Numbers::test_two_fail": "failed", "test_subtests.py::Numbers::test_all_pass": "passed",
        "test_subtests.py::test_fixture": "failed", "test_subtests.py::test_plain": "passed"}
    assert jackd.rc == plain.rc == 1, jackd.describe()
    subtest_titles = ["Numbers.test_two_fail (i=2)", "Numbers.test_two_fail (i=3)", "test_fixture [x] (i=1)"]
    theirs, ours = subsections(section(plain.stdout, "FAILURES")), subsections(section(jackd.stdout, "FAILURES"))
    for title in subtest_titles:
        assert ours.get(title) == theirs[title], (title, jackd.describe())
