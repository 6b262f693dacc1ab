"""jackd's outcome per test equals plain pytest's, test by test, and every collected test is reported once."""
import pytest

import xml.etree.ElementTree as ET

from jackd_e2e import REPO, check_report_shape, final_line, section, short_summary, subsections, subtests_project


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

import pytest


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


def test_skips_one(subtests):
    with subtests.test("skipper"):
        pytest.skip("not here")
    with subtests.test("runs"):
        pass


def test_fails_itself_too(subtests):
    with subtests.test("first"):
        assert 1 == 2
    assert 3 == 4
"""


def test_a_failed_subtest_fails_its_test_and_is_shown_under_its_own_title(project, tmp_path, run_jackd, run_pytest,
                                                                           test_pytest_version):
    """pytest 9's subtests (unittest's subTest, the `subtests` fixture): every failed subtest's traceback is
    shown under pytest's title for it. The test's own outcome is its own report's: pytest 9 fails a
    fixture test whose subtests failed ("contains 1 failed subtest"), not a unittest test."""
    path = subtests_project(project, tmp_path / "subtests", test_pytest_version, {"test_subtests.py": SUBTESTS_SUITE})
    plain = run_pytest(path)
    jackd = run_jackd(path, "-n", "2")
    check_report_shape(jackd)
    assert_same_outcomes(jackd, plain)
    assert jackd.outcome_map() == {
        "test_subtests.py::Numbers::test_two_fail": "passed", "test_subtests.py::Numbers::test_all_pass": "passed",
        "test_subtests.py::test_fixture": "failed", "test_subtests.py::test_plain": "passed",
        "test_subtests.py::test_skips_one": "passed", "test_subtests.py::test_fails_itself_too": "failed"}
    assert jackd.rc == plain.rc == 1, jackd.describe()
    subtest_titles = ["Numbers.test_two_fail (i=2)", "Numbers.test_two_fail (i=3)", "test_fixture [x] (i=1)",
                      "test_fixture", "test_fails_itself_too [first]", "test_fails_itself_too"]
    theirs, ours = subsections(section(plain.stdout, "FAILURES")), subsections(section(jackd.stdout, "FAILURES"))
    for title in subtest_titles:
        assert ours.get(title) == theirs[title], (title, jackd.describe())
    assert list(ours) == list(theirs), jackd.describe()


@pytest.mark.parametrize("verbosity", ["-q", "-v", None])
def test_subtests_are_listed_and_counted_as_pytest_does(project, tmp_path, run_jackd, run_pytest,
                                                        test_pytest_version, verbosity):
    """pytest 9 reports every subtest: SUBFAILED and SUBSKIPPED lines in the short summary, and in the final
    line each failed subtest among the failed and (unless the verbosity is the default) "N subtests passed"
    and the skipped ones. Its JUnit file has a <failure> or <skipped> per subtest, counted in `tests`.
    jackd's report and JUnit file equal pytest's, and a failed subtest fails the run."""
    path = subtests_project(project, tmp_path / "subtests", test_pytest_version, {"test_subtests.py": SUBTESTS_SUITE})
    args = ["-rfs"] + ([verbosity] if verbosity else [])
    plain = run_pytest(path, *args, f"--junitxml={tmp_path / 'pytest.xml'}")
    jackd = run_jackd(path, "-n", "2", *args, f"--junitxml={tmp_path / 'jackd.xml'}")
    assert jackd.rc == plain.rc == 1, jackd.describe()
    assert short_summary(jackd.stdout) == short_summary(plain.stdout), jackd.describe()
    assert any(line.startswith("SUBSKIPPED") for line in short_summary(jackd.stdout)) == (verbosity is not None)
    timeless = [final_line(result.stdout).rsplit(" in ", 1)[0] for result in (plain, jackd)]
    assert timeless[1] == timeless[0], jackd.describe()
    if verbosity == "-v":  # each subtest pytest shows has a line of its own, with its word
        words = ["SUBPASSED(i=0)", "SUBFAILED(i=2)", "SUBPASSED[x] (i=0)", "SUBFAILED[x] (i=1)", "SUBSKIPPED[skipper]"]
        for word in words:
            assert f"{word} test_subtests.py::" in jackd.stdout, (word, jackd.describe())

    def junit(name):
        suite = ET.parse(tmp_path / name).getroot().find("testsuite")
        totals = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
        cases = {case.get("name"): [(child.tag, child.get("message")) for child in case
                                    if child.tag in ("failure", "skipped", "error")] for case in suite}
        return totals, cases

    assert junit("jackd.xml") == junit("pytest.xml")


FIXTURE_SUBTESTS = """
import pytest


def test_some_fail(subtests):
    for i in range(4):
        with subtests.test(i=i):
            assert i % 2 == 0


def test_skips(subtests):
    with subtests.test("skipped"):
        pytest.skip("no")
"""


def test_subtests_have_pytests_progress_letters(project, tmp_path, run_jackd, run_pytest, test_pytest_version):
    """Each subtest pytest shows has its letter in the progress line before its test's: 'u' for a failed or
    passed one, '-' for a skipped one (pytest writes a unittest subTest's letters into the test's captured
    output, so this suite has fixture subtests only)."""
    path = subtests_project(project, tmp_path / "letters", test_pytest_version, {"test_letters.py": FIXTURE_SUBTESTS})
    plain = run_pytest(path, "-q")
    jackd = run_jackd(path, "-n", "2", "-q")
    progress = [result.stdout.splitlines()[0].split()[0] for result in (plain, jackd)]
    assert sorted(progress[1]) == sorted(progress[0]), jackd.describe()
    assert progress[0].count("u") == 4 and "-" in progress[0]  # the letters this suite's subtests get


def test_a_passed_test_with_failed_subtests_shows_its_output_under_passes(project, tmp_path, run_jackd,
                                                                          test_pytest_version):
    """-rP: a unittest test whose subTests failed passed, so its captured output is under PASSES, as pytest
    shows it; its failed subtests' tracebacks are under FAILURES only."""
    path = subtests_project(project, tmp_path / "passes", test_pytest_version, {"test_out.py": (
        "import unittest\n\n\nclass U(unittest.TestCase):\n    def test_prints(self):\n"
        "        print('own output')\n        for i in range(2):\n            with self.subTest(i=i):\n"
        "                print('in subtest', i)\n                self.assertEqual(i, 0)\n")})
    jackd = run_jackd(path, "-n", "2", "-rP")
    assert jackd.rc == 1, jackd.describe()
    passes = subsections(section(jackd.stdout, "PASSES") or "")
    assert list(passes) == ["U.test_prints"] and "own output" in passes["U.test_prints"], jackd.describe()
    assert list(subsections(section(jackd.stdout, "FAILURES"))) == ["U.test_prints (i=1)"], jackd.describe()
