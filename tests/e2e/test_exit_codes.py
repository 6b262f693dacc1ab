"""jackd exits as pytest does: 0 passed, 1 failed, 2 interrupted or collection errors, 4 usage, 5 nothing."""
import xml.etree.ElementTree as ET

import pytest

from jackd_e2e import (assert_no_engine_noise, assert_one_line_error, final_line, section, short_summary,
                       subsections, without_timing)

CASES = [
    pytest.param("fixture_counts", [], 0, id="0-all-passed"),
    pytest.param("mixed", [], 1, id="1-some-failed"),
    pytest.param("mixed", ["test_mixed.py::test_setup_error"], 1, id="1-only-an-error"),
    pytest.param("collection_error", [], 2, id="2-collection-errors"),
    pytest.param("broken_conftest", [], 4, id="4-broken-conftest"),
    pytest.param("mixed", ["--no-such-option"], 4, id="4-unknown-option"),
    pytest.param("mixed", ["no_such_dir/test_nothing.py"], 4, id="4-missing-path"),
    pytest.param("empty", [], 5, id="5-empty-project"),
    pytest.param("many", ["-k", "nothing_matches_this"], 5, id="5-all-deselected"),
]


@pytest.mark.parametrize("name, args, expected", CASES)
def test_exit_code_is_pytests(project, run_jackd, run_pytest, name, args, expected):
    path = project(name)
    plain = run_pytest(path, *args)
    assert plain.rc == expected, "the fixture project no longer does what this case needs\n" + plain.describe()
    jackd = run_jackd(path, *args)
    assert jackd.rc == expected, jackd.describe()
    assert_no_engine_noise(jackd, allow_user_traceback=name == "broken_conftest")
    if jackd.report is not None:
        assert jackd.report["exit_code"] == jackd.rc, jackd.report


def test_collection_errors_show_pytests_error_text(project, run_jackd, run_pytest):
    path = project("collection_error")
    plain = run_pytest(path)
    jackd = run_jackd(path)
    assert jackd.rc == 2, jackd.describe()
    for text in (
        "ERROR collecting test_syntax_error.py",
        "SyntaxError",
        "def test_broken(:",
        "ERROR collecting test_import_error.py",
        "ModuleNotFoundError: No module named 'e2e_module_that_does_not_exist'",
    ):
        assert text in plain.stdout, f"plain pytest no longer prints {text!r}\n" + plain.describe()
        assert text in jackd.stdout, f"jackd does not print {text!r}\n" + jackd.describe()
    assert "Interrupted: 2 errors during collection" in jackd.stdout, jackd.describe()
    assert without_timing(final_line(jackd.stdout)) == without_timing(final_line(plain.stdout)) == "2 errors"
    # Nothing ran: pytest runs no test when collection fails.
    assert not [t for t in jackd.tests if t["outcome"] not in ("not_run",)], jackd.describe()


def test_continue_on_collection_errors_runs_the_good_tests(project, run_jackd, run_pytest):
    path = project("collection_error")
    plain = run_pytest(path, "--continue-on-collection-errors")
    jackd = run_jackd(path, "--continue-on-collection-errors")
    assert jackd.rc == plain.rc == 1, jackd.describe()
    assert without_timing(final_line(jackd.stdout)) == without_timing(final_line(plain.stdout)) == (
        "2 passed, 2 errors"
    ), jackd.describe()
    assert jackd.outcome_map() == {
        "test_good.py::test_good_one": "passed",
        "test_good.py::test_good_two": "passed",
    }


@pytest.mark.parametrize("args", [[], ["-k", "nothing_matches_this"]], ids=["empty", "deselected"])
def test_nothing_to_run_says_so_like_pytest(project, run_jackd, run_pytest, args):
    path = project("empty" if not args else "many")
    plain = run_pytest(path, *args)
    jackd = run_jackd(path, *args)
    assert jackd.rc == plain.rc == 5, jackd.describe()
    assert without_timing(final_line(jackd.stdout)) == without_timing(final_line(plain.stdout)), jackd.describe()
    assert jackd.report is not None and jackd.report["tests"] == [], jackd.describe()


INTERNAL_ERROR_CONFTEST = '''
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("xfail"):
            item.add_marker(pytest.mark.e2e_unregistered)  # a warning, an error under filterwarnings = error
'''


@pytest.mark.parametrize("collection", ["split", "whole"])
def test_an_internal_error_while_collecting_ends_the_run_as_in_pytest(project, tmp_path, run_jackd, run_pytest,
                                                                     collection):
    """Found in python-dateutil's suite: pytest prints its INTERNALERROR and exits 3 without running a test.
    jackd ran the workers that had not met it and read the others' exits as crashes (exit 1)."""
    source = tmp_path / "internal_error"
    source.mkdir()
    (source / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    (source / "conftest.py").write_text(INTERNAL_ERROR_CONFTEST)
    (source / "test_plain.py").write_text("def test_one():\n    pass\n\n\ndef test_two():\n    pass\n")
    (source / "test_xfail.py").write_text("import pytest\n\n\n@pytest.mark.xfail\ndef test_known_bug():\n    assert False\n")
    path = project(source)
    plain = run_pytest(path)
    jackd = run_jackd(path, "-n", "2", "--collection", collection)
    assert jackd.rc == plain.rc == 3, jackd.describe()
    assert "INTERNALERROR> pytest.PytestUnknownMarkWarning: Unknown pytest.mark.e2e_unregistered" in plain.stdout
    assert "INTERNALERROR> pytest.PytestUnknownMarkWarning: Unknown pytest.mark.e2e_unregistered" in jackd.stdout, \
        jackd.describe()
    assert without_timing(final_line(jackd.stdout)) == without_timing(final_line(plain.stdout)) == "no tests ran"
    assert_one_line_error(jackd, "internal error while collecting", "filterwarnings = error")
    assert "crashed" not in jackd.output, jackd.describe()
    assert sorted(jackd.outcome_map().values()) == ["not_run"] * 3, jackd.describe()


def junit_errors(path):
    """(classname, name, [(tag, message, text)]) of each testcase of a JUnit file, in order."""
    return [(case.get("classname"), case.get("name"), [(child.tag, child.get("message"), child.text)
                                                       for child in case])
            for case in ET.parse(path).getroot().iter("testcase")]


@pytest.mark.parametrize("where", ["rootdir", "outside"])
@pytest.mark.parametrize("collection", ["split", "whole"])
def test_pyargs_package_whose_conftest_fails_to_import_fails_as_in_pytest(project, tmp_path, run_jackd, run_pytest,
                                                                          where, collection):
    """Found on a graph library's suite: with --pyargs, pytest meets the package's broken conftest.py while
    it collects, shows the ImportError as a collection error, writes its JUnit file, and then stops with
    the usage error "found no collectors for ..." (exit 4). jackd printed only that last line."""
    path = project("pyargs_broken_conftest")
    # The package is importable from its project; run from there (inside the rootdir) or from a rootdir
    # it is outside of, as an installed package is (pytest then titles the error "test session").
    cwd = path if where == "rootdir" else path / "elsewhere"
    env = {"PYTHONPATH": str(path)}
    plain_xml, jackd_xml = tmp_path / "plain.xml", tmp_path / "jackd.xml"
    args = ("-p", "no:cacheprovider", "--pyargs", "e2e_pyargs_pkg.sub")
    plain = run_pytest(cwd, *args, f"--junitxml={plain_xml}", env=env)
    assert plain.rc == 4 and "found no collectors for" in plain.stderr, plain.describe()
    jackd = run_jackd(cwd, "-n", "2", "--collection", collection, *args, f"--junitxml={jackd_xml}", env=env)
    assert jackd.rc == 4, jackd.describe()
    # pytest's collection error, with the traceback of the import, as pytest shows it. (pytest's line
    # "--- generated xml file: ... ---" ends the section; jackd has never printed that line.)
    errors = subsections(section(jackd.stdout, "ERRORS") or "")
    plain_errors = subsections("\n".join(line for line in (section(plain.stdout, "ERRORS") or "").splitlines()
                                         if "generated xml file" not in line))
    assert errors == plain_errors, jackd.describe()
    assert "E   ModuleNotFoundError: No module named 'e2e_module_that_does_not_exist'" in str(errors), jackd.describe()
    assert short_summary(jackd.stdout) == short_summary(plain.stdout), jackd.describe()
    assert without_timing(final_line(jackd.stdout)) == without_timing(final_line(plain.stdout)) == "1 error"
    assert "Interrupted" not in jackd.stdout and "Interrupted" not in plain.stdout, jackd.describe()
    # Then pytest's usage error, on jackd's one line, and the reports pytest writes.
    assert_one_line_error(jackd, "found no collectors for", "e2e_pyargs_pkg")
    assert_no_engine_noise(jackd, allow_user_traceback=True)
    assert jackd_xml.exists(), jackd.describe()
    assert junit_errors(jackd_xml) == junit_errors(plain_xml), jackd.describe()
    assert jackd.report["exit_code"] == 4 and len(jackd.report["collection_errors"]) == 1, jackd.report
