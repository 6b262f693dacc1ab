"""Warnings reach jackd's terminal as pytest shows them: the warnings summary and the final line's count.

Found on rich's source tree (no tests in its sdist, so pytest warns that `testpaths` matched nothing, the
warning that says why nothing was collected): jackd's runs that end at collection printed no warnings
summary. And warnings raised while collecting (a test class with `__init__`, an unregistered mark) were
lost in every run of the prestarted workers, whose report left before pytest recorded them.
"""
import pytest

from jackd_e2e import final_line, section, without_timing

SUITE = {
    "pytest.ini": "[pytest]\n",
    "test_collect_warnings.py": """\
import pytest


class TestNotCollected:
    def __init__(self):
        pass

    def test_never(self):
        pass


@pytest.mark.e2e_unregistered
def test_with_an_unregistered_mark():
    pass
""",
    "test_run_warning.py": """\
import warnings


def test_warns():
    warnings.warn(UserWarning("e2e warning raised in a test"))
""",
}


def write_suite(directory, extra=None):
    directory.mkdir()
    for name, text in {**SUITE, **(extra or {})}.items():
        (directory / name).write_text(text)
    return directory


def summary_lines(stdout):
    """The warnings summary's non-empty lines, as a set (pytest and jackd may list the warnings in
    another order)."""
    text = section(stdout, "warnings summary")
    assert text is not None, stdout
    return {line.rstrip() for line in text.splitlines() if line.strip()}


@pytest.mark.parametrize("collection", ["split", "whole"])
def test_warnings_of_collection_and_tests_are_summarized_as_in_pytest(project, tmp_path, run_jackd, run_pytest,
                                                                      collection):
    path = project(write_suite(tmp_path / "warnings"))
    plain = run_pytest(path)
    jackd = run_jackd(path, "-n", "2", "--collection", collection)
    assert jackd.rc == plain.rc == 0, jackd.describe()
    assert without_timing(final_line(plain.stdout)) == "2 passed, 3 warnings", plain.describe()
    assert without_timing(final_line(jackd.stdout)) == "2 passed, 3 warnings", jackd.describe()
    assert summary_lines(jackd.stdout) == summary_lines(plain.stdout), jackd.describe()


@pytest.mark.parametrize("args, extra, expected", [
    pytest.param(["-k", "nothing_matches"], {}, "2 deselected, 2 warnings", id="nothing-selected"),
    pytest.param([], {"test_broken.py": "import e2e_module_that_does_not_exist\n"}, "2 warnings, 1 error",
                 id="collection-error"),
])
def test_a_run_that_ends_at_collection_shows_its_warnings_as_pytest_does(project, tmp_path, run_jackd, run_pytest,
                                                                         args, extra, expected):
    path = project(write_suite(tmp_path / "warnings", extra))
    plain = run_pytest(path, *args)
    jackd = run_jackd(path, "-n", "2", *args)
    assert jackd.rc == plain.rc != 0, jackd.describe()
    assert without_timing(final_line(plain.stdout)) == expected, plain.describe()
    assert without_timing(final_line(jackd.stdout)) == expected, jackd.describe()
    assert summary_lines(jackd.stdout) == summary_lines(plain.stdout), jackd.describe()
