"""The collect mode end to end: a real shim process on fixture projects, checking the CollectionReport."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from shim_harness import XDIST_INSTALLED, run_collect, shim_env, write_project

from jackd_shim import jackd_pb2
from jackd_shim.collect_plugin import read_stepwise
from jackd_shim.protocol import PROTOCOL_VERSION, collection_digest

PROJECT = {
    "pytest.ini": """\
        [pytest]
        junit_suite_name = shimsuite
        markers =
            slow: slow tests
    """,
    "conftest.py": """\
        import pytest

        @pytest.fixture
        def answer():
            return 42
    """,
    "tests/test_classes.py": """\
        import pytest

        pytestmark = pytest.mark.xdist_group("zeta")


        class TestOuter:
            def test_plain(self, answer, tmp_path):
                pass

            class TestInner:
                @pytest.mark.xdist_group(name="alpha")
                @pytest.mark.slow
                def test_deep(self):
                    pass


        @pytest.mark.xdist_group
        def test_default_group():
            pass
    """,
    "tests/test_ids.py": """\
        import pytest

        @pytest.mark.parametrize("value", ["a::b", "[x]", "two words", "ünïcode", "tab\\there"])
        def test_odd(value):
            pass

        @pytest.mark.parametrize("value", [1, 2], ids=["x::y[z]", "spaced id"])
        def test_custom_ids(value):
            pass
    """,
    "tests/test_skipped_module.py": """\
        import pytest

        pytest.skip("no backend here", allow_module_level=True)

        def test_never():
            pass
    """,
    "tests/test_broken.py": """\
        import module_that_does_not_exist

        def test_never():
            pass
    """,
    "tests/test_plain.py": """\
        def test_one():
            pass

        def test_two():
            pass
    """,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("collect") / "proj", PROJECT)


@pytest.fixture(scope="module")
def collected(project: Path):
    run = run_collect(project)
    assert run.report is not None, run.output
    return run


def items_by_id(report: jackd_pb2.CollectionReport) -> dict[str, jackd_pb2.TestItem]:
    return {item.node_id: item for item in report.items}


def test_report_header_and_exit_status(collected):
    report = collected.report
    assert report.protocol_version == PROTOCOL_VERSION
    assert report.shim_version == "0.1.0"
    # pytest interrupts a session with collection errors (exit 2), and the shim exits with pytest's code.
    assert report.pytest_exit == 2
    assert collected.returncode == 2


def test_items_keep_pytest_order_and_structure(collected):
    items = items_by_id(collected.report)
    assert [item.node_id for item in collected.report.items][:3] == [
        "tests/test_classes.py::TestOuter::test_plain",
        "tests/test_classes.py::TestOuter::TestInner::test_deep",
        "tests/test_classes.py::test_default_group",
    ]
    plain = items["tests/test_classes.py::TestOuter::test_plain"]
    assert plain.file == "tests/test_classes.py"
    assert list(plain.class_chain) == ["TestOuter"]
    assert plain.line == 7
    assert {"answer", "tmp_path"} <= set(plain.fixtures)
    deep = items["tests/test_classes.py::TestOuter::TestInner::test_deep"]
    assert list(deep.class_chain) == ["TestOuter", "TestInner"]
    assert deep.line == 11  # pytest locates a decorated function at its first decorator
    assert list(items["tests/test_plain.py::test_one"].class_chain) == []


def test_xdist_group_merged_like_xdist(collected):
    items = items_by_id(collected.report)
    # Module pytestmark "zeta" plus the function's name="alpha": sorted, '_'-joined.
    assert items["tests/test_classes.py::TestOuter::TestInner::test_deep"].xdist_group == "alpha_zeta"
    assert items["tests/test_classes.py::TestOuter::test_plain"].xdist_group == "zeta"
    # A mark without a name joins the "default" group.
    assert items["tests/test_classes.py::test_default_group"].xdist_group == "default_zeta"
    assert items["tests/test_plain.py::test_one"].xdist_group == ""


def test_marks_deduplicated_in_pytest_order(collected):
    deep = items_by_id(collected.report)["tests/test_classes.py::TestOuter::TestInner::test_deep"]
    # Own marks in the order decorators apply (bottom up), then the module's; duplicates dropped.
    assert list(deep.marks) == ["slow", "xdist_group"]
    odd = items_by_id(collected.report)["tests/test_ids.py::test_odd[a::b]"]
    assert list(odd.marks) == ["parametrize"]


def test_odd_parametrize_ids_survive_verbatim(collected):
    ids = {item.node_id for item in collected.report.items if item.file == "tests/test_ids.py"}
    assert ids == {
        "tests/test_ids.py::test_odd[a::b]",
        "tests/test_ids.py::test_odd[[x]]",
        "tests/test_ids.py::test_odd[two words]",
        "tests/test_ids.py::test_odd[\\xfcn\\xefcode]",  # pytest escapes non-ASCII ids by default
        "tests/test_ids.py::test_odd[tab\\there]",
        "tests/test_ids.py::test_custom_ids[x::y[z]]",
        "tests/test_ids.py::test_custom_ids[spaced id]",
    }


def test_digest_is_over_the_selected_node_ids(collected):
    report = collected.report
    assert report.digest == collection_digest(item.node_id for item in report.items)
    assert len(report.digest) == 64


def test_module_level_skip_is_a_collect_skip(collected):
    [skip] = collected.report.skips
    assert skip.node_id == "tests/test_skipped_module.py"
    assert skip.reason == "no backend here"
    assert skip.location == "tests/test_skipped_module.py:3"
    assert not any(item.file == "tests/test_skipped_module.py" for item in collected.report.items)


def test_collection_error_is_rendered_like_pytest(collected):
    [error] = collected.report.errors
    assert error.node_id == "tests/test_broken.py"
    assert "ImportError while importing test module" in error.longrepr
    assert "module_that_does_not_exist" in error.longrepr
    assert error.summary == "ModuleNotFoundError: No module named 'module_that_does_not_exist'"


def test_settings_defaults(collected, project):
    settings = collected.report.settings
    assert settings.verbosity == 0
    assert settings.maxfail == 0
    assert settings.tb_style == "auto"
    assert settings.report_chars == "wfE"  # pytest's default "fE", expanded with warnings
    assert settings.durations == -1
    assert settings.durations_min == pytest.approx(0.005)
    assert settings.junitxml_path == ""
    assert settings.junit_suite_name == "shimsuite"
    assert settings.color == "auto"
    assert settings.rootdir == str(project)
    assert settings.configfile == str(project / "pytest.ini")
    assert settings.pytest_version == pytest.__version__
    assert settings.platform
    assert settings.python_version.count(".") == 2
    assert settings.pluggy_version
    assert not settings.capture_disabled
    assert not settings.collect_only


def test_settings_follow_the_command_line(project):
    run = run_collect(project, "-v", "-x", "--tb=short", "-rA", "--junitxml=out/junit.xml",
                      "--durations=7", "-s", "--color=no", "--co", "--ignore=tests/test_broken.py")
    assert run.returncode == 0, run.output
    settings = run.report.settings
    assert settings.verbosity == 1
    assert settings.maxfail == 1
    assert settings.tb_style == "short"
    assert settings.report_chars == "wPpsxXEf"
    assert settings.durations == 7
    assert settings.junitxml_path == str(project / "out" / "junit.xml")
    assert settings.color == "no"
    assert settings.capture_disabled
    assert settings.collect_only
    # The engine writes JUnit; the collect-only session must not leave one behind.
    assert not (project / "out" / "junit.xml").exists()


def test_collect_mode_never_runs_tests(tmp_path):
    project = write_project(tmp_path / "runs", {"test_side_effect.py": """\
        def test_writes(tmp_path_factory):
            open("ran.txt", "w").close()
    """})
    run = run_collect(project)
    assert run.returncode == 0, run.output
    assert len(run.report.items) == 1
    assert not (project / "ran.txt").exists()


def test_deselection_with_k_is_counted(project):
    run = run_collect(project, "-k", "test_one or test_odd", "--ignore=tests/test_broken.py")
    assert run.returncode == 0, run.output
    ids = [item.node_id for item in run.report.items]
    assert "tests/test_plain.py::test_one" in ids
    assert "tests/test_plain.py::test_two" not in ids
    assert len(ids) == 6  # five test_odd cases and test_one
    assert run.report.deselected == 12 - 6
    assert run.report.digest == collection_digest(ids)


def test_usage_error_writes_no_report(project):
    run = run_collect(project, "--no-such-option")
    assert run.returncode == 4
    assert run.report is None


def test_strict_markers_know_jackd_marks_without_xdist(tmp_path):
    project = write_project(tmp_path / "strict", {
        "test_marks.py": """\
            import pytest

            @pytest.mark.xdist_group("db")
            @pytest.mark.serial
            def test_marked():
                pass
        """,
    })
    run = run_collect(project, "--strict-markers", "-p", "no:xdist")
    assert run.returncode == 0, run.output
    assert [item.xdist_group for item in run.report.items] == ["db"]


@pytest.mark.skipif(not XDIST_INSTALLED, reason="pytest-xdist is not installed")
def test_xdist_addopts_are_neutralised(tmp_path):
    project = write_project(tmp_path / "xdist", {
        "pytest.ini": """\
            [pytest]
            addopts = -n 3 --dist loadgroup
        """,
        "test_one.py": """\
            def test_one():
                pass
        """,
    })
    run = run_collect(project)
    assert run.returncode == 0, run.output
    assert [item.node_id for item in run.report.items] == ["test_one.py::test_one"]
    assert any(name.startswith("xdist-") for name in run.report.settings.plugins)
    # xdist would have added its group to the node ID; jackd keeps node IDs pure.
    assert "@" not in run.report.items[0].node_id


def test_nothing_collected(tmp_path):
    project = write_project(tmp_path / "empty", {"test_nothing.py": "X = 1\n"})
    run = run_collect(project)
    assert run.returncode == 5
    assert run.report.pytest_exit == 5
    assert list(run.report.items) == []
    assert run.report.digest == collection_digest([])


def test_stepwise_state_is_reported_as_collection_left_it(tmp_path):
    project = write_project(tmp_path / "sw", {"test_steps.py": """\
        import os

        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_step(n):
            assert str(n) != os.environ.get("FAIL_STEP")
    """})
    assert not run_collect(project).report.settings.HasField("stepwise")
    # pytest itself leaves the state (its format depends on its version): it stopped at test_step[2].
    env = {**shim_env(), "FAIL_STEP": "2"}
    stopped = subprocess.run([sys.executable, "-m", "pytest", "--sw", "-q"], cwd=project, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8", timeout=120)
    assert stopped.returncode == 2, stopped.stdout
    run = run_collect(project, "--sw-skip")
    assert run.returncode == 0, run.output
    stepwise = run.report.settings.stepwise
    assert stepwise.skip and stepwise.last_failed == "test_steps.py::test_step[2]"
    assert [item.node_id for item in run.report.items] == ["test_steps.py::test_step[2]", "test_steps.py::test_step[3]"]
    assert run.report.deselected == 2
    assert any(line.startswith("stepwise: skipping 2 already passed items") for line in stepwise.status), stepwise
    assert stepwise.test_count == (4 if stepwise.stores_test_count else -1)


def test_stepwise_of_pytest_7_is_read_too():
    # pytest 7's StepwisePlugin: the last failed node ID in `lastfailed`, one status string, no test count.
    plugin = SimpleNamespace(skip=False, report_status="skipping 2 already passed items.", lastfailed="t.py::b")
    config = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin={"stepwiseplugin": plugin}.get))
    stepwise = read_stepwise(config)
    assert not stepwise.skip and not stepwise.stores_test_count and stepwise.test_count == -1
    assert list(stepwise.status) == ["stepwise: skipping 2 already passed items."]
    assert stepwise.last_failed == "t.py::b"
