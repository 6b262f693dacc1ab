"""--junitxml writes valid JUnit XML like pytest's: one testcase per test, failure text included."""
import xml.etree.ElementTree as ET

from jackd_e2e import check_report_shape

# test_module_skip.py is skipped whole at collection: pytest writes a testcase for it, and so does jackd.
PATHS = ["test_mixed.py", "test_unittest_style.py", "test_module_skip.py"]


def junit_cases(path):
    root = ET.parse(path).getroot()  # raises on malformed XML
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert suites, f"no testsuite element in {path}"
    cases = {}
    for suite in suites:
        for case in suite.iter("testcase"):
            key = (case.get("classname"), case.get("name"))
            assert key not in cases, f"testcase {key} appears twice"
            children = sorted(
                (child.tag, child.get("message") or "", child.text or "")
                for child in case
                if child.tag in ("failure", "error", "skipped")
            )
            cases[key] = children
    return suites, cases


def test_junit_matches_pytests(project, run_jackd, run_pytest, tmp_path):
    path = project("mixed")
    plain_xml, jackd_xml = tmp_path / "plain.xml", tmp_path / "jackd.xml"
    plain = run_pytest(path, f"--junitxml={plain_xml}", *PATHS)
    jackd = run_jackd(path, "-n", "2", f"--junitxml={jackd_xml}", *PATHS)
    check_report_shape(jackd)
    assert jackd_xml.exists(), jackd.describe()
    _, expected = junit_cases(plain_xml)
    suites, actual = junit_cases(jackd_xml)
    assert len(actual) == len(jackd.tests) + 1 == len(plain.collected) + 1, (len(actual), len(jackd.tests))
    assert sorted(actual) == sorted(expected)
    for key, children in expected.items():
        # Kind and message of each failure, error and skip element as pytest writes them.
        assert [c[:2] for c in actual[key]] == [c[:2] for c in children], key
    # The skipped file: its whole text, (path, line, reason) as pytest writes it.
    assert actual[("", "test_module_skip")] == expected[("", "test_module_skip")], actual[("", "test_module_skip")]
    assert actual[("", "test_module_skip")][0][:2] == ("skipped", "collection skipped")
    # Suite totals agree with the testcases.
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for attribute in totals:
            totals[attribute] += int(suite.get(attribute, "0"))
    kinds = [tag for children in actual.values() for tag, _, _ in children]
    assert totals == {
        "tests": len(actual),
        "failures": kinds.count("failure"),
        "errors": kinds.count("error"),
        "skipped": kinds.count("skipped"),
    }, totals


def test_files_that_fail_or_skip_at_collection_are_testcases_as_in_pytest(project, run_jackd, run_pytest, tmp_path):
    """Named as pytest names them (a dotted module path), with pytest's message and text, counted in the
    suite's totals as pytest counts them."""
    source = tmp_path / "collection"
    (source / "sub").mkdir(parents=True)
    (source / "pytest.ini").write_text("[pytest]\n")
    (source / "test_ok.py").write_text("def test_ok():\n    pass\n")
    (source / "sub" / "test_broken.py").write_text("import e2e_module_that_does_not_exist\n")
    (source / "sub" / "test_needs_module.py").write_text(
        "import pytest\n\npytest.importorskip('e2e_module_that_does_not_exist')\n\n\ndef test_x():\n    pass\n")
    path = project(source)
    plain_xml, jackd_xml = tmp_path / "plain.xml", tmp_path / "jackd.xml"
    args = ("--continue-on-collection-errors",)
    run_pytest(path, f"--junitxml={plain_xml}", *args)
    result = run_jackd(path, "-n", "2", f"--junitxml={jackd_xml}", *args)
    check_report_shape(result)
    assert result.rc == 1, result.describe()
    plain_suites, expected = junit_cases(plain_xml)
    suites, actual = junit_cases(jackd_xml)
    assert actual == expected
    assert [c[:2] for c in actual[("", "sub.test_broken")]] == [("error", "collection failure")], actual
    assert [c[:2] for c in actual[("", "sub.test_needs_module")]] == [("skipped", "collection skipped")], actual
    for attribute in ("tests", "errors", "failures", "skipped"):
        assert suites[0].get(attribute) == plain_suites[0].get(attribute), attribute
    assert [e["node_id"] for e in result.report["collection_errors"]] == ["sub/test_broken.py"]
    assert [s["node_id"] for s in result.report["collection_skips"]] == ["sub/test_needs_module.py"]


def test_junit_failure_carries_the_traceback(project, run_jackd, tmp_path):
    xml_path = tmp_path / "jackd.xml"
    jackd = run_jackd(project("mixed"), "-n", "2", f"--junitxml={xml_path}", *PATHS)
    assert jackd.rc == 1, jackd.describe()
    _, cases = junit_cases(xml_path)
    failure = cases[("test_mixed", "test_fail")]
    assert [c[0] for c in failure] == ["failure"], failure
    assert failure[0][1] == "assert 1 == 2"
    assert "value == 2" in failure[0][2] and "test_mixed.py:" in failure[0][2], failure
    setup_error = cases[("test_mixed", "test_setup_error")]
    assert [c[0] for c in setup_error] == ["error"] and "e2e setup exploded" in setup_error[0][2], setup_error
    assert cases[("test_mixed", "test_pass")] == []
    assert [c[0] for c in cases[("test_mixed", "test_skip")]] == ["skipped"]


def test_junit_with_every_test_passing_has_no_failure(project, run_jackd, tmp_path):
    xml_path = tmp_path / "jackd.xml"
    jackd = run_jackd(project("fixture_counts"), "-n", "2", f"--junitxml={xml_path}")
    assert jackd.rc == 0, jackd.describe()
    _, cases = junit_cases(xml_path)
    assert len(cases) == 40
    assert all(children == [] for children in cases.values()), cases


PROPERTIES_SUITE = '''
import pytest


@pytest.fixture
def recorded(record_property):
    record_property("from_setup", "s")
    yield
    record_property("from_teardown", 3)


def test_records(recorded, record_property):
    record_property("requirement", "REQ-<1> & \\u00e9")
    record_property("number", 1.5)


@pytest.mark.parametrize("n", [1, 2])
def test_records_and_fails(record_property, n):
    record_property("n", n)
    assert n == 1


def test_records_nothing():
    pass
'''


def junit_properties(path):
    return {(case.get("classname"), case.get("name")): [(p.get("name"), p.get("value")) for p in case.iter("property")]
            for case in ET.parse(path).getroot().iter("testcase")}


def test_record_property_reaches_junit_and_the_json_report_as_in_pytest(project, run_jackd, run_pytest, tmp_path):
    source = tmp_path / "props"
    source.mkdir()
    (source / "pytest.ini").write_text("[pytest]\n")
    (source / "test_props.py").write_text(PROPERTIES_SUITE, encoding="utf-8")
    path = project(source)
    plain_xml, jackd_xml = tmp_path / "plain.xml", tmp_path / "jackd.xml"
    run_pytest(path, f"--junitxml={plain_xml}")
    result = run_jackd(path, "-n", "2", f"--junitxml={jackd_xml}")
    check_report_shape(result)
    assert result.rc == 1, result.describe()
    expected = junit_properties(plain_xml)
    assert expected[("test_props", "test_records")] == [
        ("from_setup", "s"), ("requirement", "REQ-<1> & \u00e9"), ("number", "1.5"), ("from_teardown", "3")]
    assert junit_properties(jackd_xml) == expected
    by_id = {t["node_id"]: t.get("user_properties") for t in result.tests}
    assert by_id["test_props.py::test_records_and_fails[2]"] == [{"name": "n", "value": "2"}]
    assert by_id["test_props.py::test_records_nothing"] is None
