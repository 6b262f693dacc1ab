"""The worker mode end to end: a real worker process served by the fake engine over a unix socket."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from shim_harness import (HERE, PROCESS_TIMEOUT, XDIST_INSTALLED, WorkerProcess, run_collect, shim_env,
                      write_project)
from fake_engine import FakeEngine, serve_all

from jackd_shim import jackd_pb2
from jackd_shim.protocol import PROTOCOL_VERSION

O = jackd_pb2  # outcome and phase enums, briefly
PYTEST_VERSION = tuple(int(part) for part in pytest.__version__.split(".")[:2] if part.isdigit())

OUTCOMES = {
    "test_outcomes.py": """\
        import time

        import pytest


        @pytest.fixture
        def broken_setup():
            raise RuntimeError("setup exploded")


        @pytest.fixture
        def noisy_teardown():
            yield
            print("bye")


        @pytest.fixture
        def broken_teardown():
            yield
            print("tearing down")
            raise RuntimeError("teardown exploded")


        def test_pass():
            pass


        def test_fail():
            assert 1 == 2


        def test_fail_noisy_teardown(noisy_teardown):
            print("during")
            assert 0


        def test_setup_error(broken_setup):
            pass


        def test_teardown_error(broken_teardown):
            pass


        def test_fail_and_teardown_error(broken_teardown):
            assert 0


        def test_skip():
            pytest.skip("not today")


        @pytest.mark.skip(reason="marked off")
        def test_skip_mark():
            pass


        @pytest.mark.skipif(True, reason="condition holds")
        def test_skipif():
            pass


        @pytest.mark.xfail(reason="known bug")
        def test_xfail():
            assert 0


        @pytest.mark.xfail(reason="fixed already")
        def test_xpass():
            pass


        @pytest.mark.xfail(reason="must fail", strict=True)
        def test_xpass_strict():
            pass


        def test_imperative_xfail():
            pytest.xfail("not yet")


        @pytest.mark.xfail(run=False, reason="would hang")
        def test_xfail_not_run():
            pass


        def test_output():
            print("hello from test")


        def test_slow():
            time.sleep(0.2)


        def test_mocked_clocks(monkeypatch):
            # Suites that freeze time must not distort the durations jackd reports.
            for name in ("time", "monotonic", "perf_counter"):
                monkeypatch.setattr(time, name, lambda: 1e9)
                monkeypatch.setattr(time, name + "_ns", lambda: 10**18)
    """,
}

EXPECTED = {
    "test_pass": O.OUTCOME_PASSED,
    "test_fail": O.OUTCOME_FAILED,
    "test_fail_noisy_teardown": O.OUTCOME_FAILED,
    "test_setup_error": O.OUTCOME_ERROR,
    "test_teardown_error": O.OUTCOME_ERROR,
    "test_fail_and_teardown_error": O.OUTCOME_FAILED,
    "test_skip": O.OUTCOME_SKIPPED,
    "test_skip_mark": O.OUTCOME_SKIPPED,
    "test_skipif": O.OUTCOME_SKIPPED,
    "test_xfail": O.OUTCOME_XFAILED,
    "test_xpass": O.OUTCOME_XPASSED,
    "test_xpass_strict": O.OUTCOME_FAILED,
    "test_imperative_xfail": O.OUTCOME_XFAILED,
    "test_xfail_not_run": O.OUTCOME_XFAILED,
    "test_output": O.OUTCOME_PASSED,
    "test_slow": O.OUTCOME_PASSED,
    "test_mocked_clocks": O.OUTCOME_PASSED,
}

SCOPED = {
    "test_scoped.py": """\
        import os
        import time

        import pytest

        LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.log")
        GO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "go")


        def log(event):
            with open(LOG, "a") as stream:
                stream.write(event + "\\n")


        @pytest.fixture(scope="module")
        def resource():
            log("setup")
            yield
            log("teardown")


        def test_a(resource):
            log("a")


        def test_b(resource):
            log("b")


        def test_c(resource):
            log("c")


        def test_slow(resource):
            log("slow")
            deadline = time.monotonic() + 60
            while not os.path.exists(GO) and time.monotonic() < deadline:
                time.sleep(0.01)


        def test_sleeps_long():
            time.sleep(60)


        def test_crash():
            import faulthandler
            faulthandler._sigsegv()
    """,
}


def nodeids(*names: str, module: str = "test_outcomes.py") -> list[str]:
    return [f"{module}::{name}" for name in names]


@pytest.fixture
def outcomes_project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "outcomes", OUTCOMES)


@pytest.fixture
def scoped_project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "scoped", SCOPED)


def events(project: Path) -> list[str]:
    log = project / "events.log"
    return log.read_text().split() if log.exists() else []


def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


# -- the full outcome matrix --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcome_run(tmp_path_factory):
    """Run every test of the outcomes project through one worker with -rA (once for this module)."""
    root = tmp_path_factory.mktemp("outcome-run")
    project = write_project(root / "outcomes", OUTCOMES)
    socket_dir = Path(tempfile.mkdtemp(prefix="jackd-shim-"))
    engine = FakeEngine(str(socket_dir / "engine.sock"))
    ids = nodeids(*EXPECTED)
    worker = WorkerProcess(project, engine.address, ("-rA", "-p", "no:cacheprovider"), "gw0",
                           root / "status.bin", {})
    try:
        stream = engine.accept()
        ready = stream.ready()
        results = serve_all(stream, ids, batch_size=5, report_at=2)
        assert worker.wait() == 1  # pytest's own exit status: some tests failed
    finally:
        worker.kill()
        engine.stop(grace=None)
        shutil.rmtree(socket_dir, ignore_errors=True)
    by_name = {ids[index].split("::")[1]: result for index, result in results.items()}
    return ready, by_name, worker, project


def test_ready_describes_the_worker(outcome_run):
    ready, _, worker, outcomes_project = outcome_run
    assert ready.protocol_version == PROTOCOL_VERSION
    assert ready.shim_version == "0.1.0"
    assert ready.worker_id == "gw0"
    assert ready.token == "secret-token"
    assert ready.pid == worker.pid  # the bootstrap runs in the process the engine started
    collection = run_collect(outcomes_project, "-p", "no:cacheprovider")
    assert ready.collected == len(collection.report.items) == len(EXPECTED)
    assert ready.digest == collection.report.digest


def test_every_test_gets_exactly_one_right_outcome(outcome_run):
    _, results, _, _ = outcome_run
    assert {name: result.outcome for name, result in results.items()} == EXPECTED


def test_failure_reports(outcome_run):
    _, results, _, _ = outcome_run
    [fail] = results["test_fail"].reports
    assert fail.when == O.PHASE_CALL
    assert fail.summary == "assert 1 == 2"
    assert "def test_fail():" in fail.longrepr and "E       assert 1 == 2" in fail.longrepr
    assert results["test_fail"].head_line == "test_fail"

    [setup] = results["test_setup_error"].reports
    assert setup.when == O.PHASE_SETUP
    assert setup.summary == "RuntimeError: setup exploded"

    call, teardown = results["test_fail_and_teardown_error"].reports
    assert (call.when, call.summary) == (O.PHASE_CALL, "assert 0")
    assert (teardown.when, teardown.summary) == (O.PHASE_TEARDOWN, "RuntimeError: teardown exploded")
    assert ("Captured stdout teardown", "tearing down\n") in [(s.title, s.content) for s in teardown.sections]

    # A passed teardown's output belongs to the call's FAILURES entry, as pytest prints it.
    [noisy] = results["test_fail_noisy_teardown"].reports
    assert [(s.title, s.content) for s in noisy.sections] == [
        ("Captured stdout call", "during\n"), ("Captured stdout teardown", "bye\n")]

    [strict] = results["test_xpass_strict"].reports
    # The short summary shows a plain-string report's first line from pytest 9 on, nothing before.
    assert strict.longrepr == "[XPASS(strict)] must fail"
    assert strict.summary == ("[XPASS(strict)] must fail" if pytest.version_tuple >= (9,) else "")


def test_reasons(outcome_run):
    _, results, _, _ = outcome_run
    assert results["test_skip"].reason == "not today"
    assert results["test_skip_mark"].reason == "marked off"
    assert results["test_xfail"].reason == "known bug"
    assert results["test_xpass"].reason == "fixed already"
    # pytest.xfail("...") reasons are pytest's report.wasxfail verbatim; older pytest prefixes "reason: ".
    assert results["test_imperative_xfail"].reason in ("not yet", "reason: not yet")
    assert results["test_xfail_not_run"].reason in ("[NOTRUN] would hang", "reason: [NOTRUN] would hang")
    assert not results["test_pass"].reports


def test_passes_with_output_are_reported_with_rP(outcome_run):
    _, results, _, _ = outcome_run
    [passed] = results["test_output"].reports
    assert passed.when == O.PHASE_CALL and passed.longrepr == ""
    assert [(s.title, s.content) for s in passed.sections] == [("Captured stdout call", "hello from test\n")]


def test_short_summary_lines_match_pytest(outcome_run):
    """What the engine can print from our results equals pytest's own -rA short summary lines."""
    _, results, _, outcomes_project = outcome_run
    pytest_lines = _pytest_short_summary(outcomes_project)
    ours = set()
    for name, result in results.items():
        nodeid = f"test_outcomes.py::{name}"
        for phase in result.reports:
            if phase.summary:
                word = "FAILED" if phase.when == O.PHASE_CALL else "ERROR"
                ours.add(f"{word} {nodeid} - {phase.summary}")
        if result.outcome == O.OUTCOME_SKIPPED:
            ours.add(f"SKIPPED [1] {result.skip_location}: {result.reason}")
        if result.outcome == O.OUTCOME_XPASSED:
            ours.add(f"XPASS {nodeid} - {result.reason}")
    relevant = {line for line in pytest_lines if line.startswith(("FAILED", "ERROR", "SKIPPED", "XPASS"))}
    if PYTEST_VERSION < (9,):
        # Older pytest prints no message for a plain-string longrepr (strict XPASS) and formats XPASS
        # lines differently; the shim sends the same fields whatever the version.
        def comparable(line: str) -> bool:
            return not line.startswith("XPASS") and "test_xpass_strict" not in line
        ours, relevant = set(filter(comparable, ours)), set(filter(comparable, relevant))
    assert ours == relevant


def _pytest_short_summary(project: Path) -> list[str]:
    env = shim_env(COLUMNS="1000")
    for name in ("CI", "BUILD_NUMBER"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "--color=no"],
                          cwd=project, env=env, stdout=subprocess.PIPE, encoding="utf-8",
                          timeout=PROCESS_TIMEOUT)
    summary = proc.stdout.split("short test summary info")[1]
    return [line for line in summary.splitlines() if line and not line.startswith("=")]


def test_durations_come_from_the_shims_clock(outcome_run):
    _, results, _, _ = outcome_run
    slow = results["test_slow"]
    assert 0.2 <= slow.call_seconds < 30
    assert slow.started <= slow.finished
    total = slow.setup_seconds + slow.call_seconds + slow.teardown_seconds
    assert total == pytest.approx(slow.finished - slow.started, abs=1e-3)
    mocked = results["test_mocked_clocks"]
    assert 0 <= mocked.call_seconds < 30 and 0 <= mocked.teardown_seconds < 30
    # started/finished are CLOCK_MONOTONIC seconds, comparable with this process's clock.
    assert 0 < slow.finished <= time.monotonic()


def test_status_slot_is_idle_after_the_run(outcome_run):
    _, results, worker, _ = outcome_run
    stamp_ns, index = worker.status()
    assert index == -1
    # The last test's start, written just before pytest's logstart, on the same CLOCK_MONOTONIC.
    assert stamp_ns / 1e9 == pytest.approx(max(r.started for r in results.values()), abs=0.5)


# -- the queue, nextitem and Stop ---------------------------------------------------------------------


def test_module_fixture_spans_batches(scoped_project, engine, spawn_worker):
    a, b, c = nodeids("test_a", "test_b", "test_c", module="test_scoped.py")
    worker = spawn_worker(scoped_project)
    stream = engine.accept()
    stream.ready()

    stream.run([a], indices=[0])
    time.sleep(1.0)  # the worker must not run `a` before it knows what comes next
    assert stream.received.empty()
    assert events(scoped_project) == []

    stream.run([b], indices=[1])
    [result_a] = stream.results(1)
    assert result_a.index == 0 and result_a.outcome == O.OUTCOME_PASSED
    stream.run([c], indices=[2])
    stream.finish()
    rest = stream.results(2)
    assert [r.index for r in rest] == [1, 2]
    assert stream.drain() == []
    assert worker.wait() == 0
    assert events(scoped_project) == ["setup", "a", "b", "c", "teardown"]


def test_stop_drops_queued_tests_and_tears_down(scoped_project, engine, spawn_worker):
    ids = nodeids("test_slow", "test_a", "test_b", "test_c", module="test_scoped.py")
    worker = spawn_worker(scoped_project)
    stream = engine.accept()
    stream.ready()
    stream.run(ids, indices=[10, 11, 12, 13])
    wait_for(lambda: worker.status()[1] == 10, what="test_slow to start")
    stream.stop()
    time.sleep(0.5)  # for the Stop to reach the worker's inbox while test_slow still runs
    (scoped_project / "go").touch()
    messages = stream.drain()
    results = [r for m in messages for r in m.results.results]
    assert [(r.index, r.outcome) for r in results] == [(10, O.OUTCOME_PASSED)]
    assert messages[-1].results.queued == 3  # received and never run: the engine's to account for
    assert worker.wait() == 0
    assert events(scoped_project) == ["setup", "slow", "teardown"]


def test_maxfail_is_left_to_the_engine(tmp_path, engine, spawn_worker):
    """With -x the worker keeps serving until the engine says Stop (closing early reads as a crash), and
    pytest's own failure count does not make it tear module fixtures down after every test."""
    project = write_project(tmp_path / "maxfail", {"test_maxfail.py": """\
        import os

        import pytest

        LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.log")


        @pytest.fixture(scope="module")
        def resource():
            with open(LOG, "a") as stream:
                stream.write("setup\\n")
            yield


        def test_fails(resource):
            assert False


        def test_after(resource):
            pass


        def test_last(resource):
            pass
    """})
    worker = spawn_worker(project, "-x")
    stream = engine.accept()
    stream.ready()
    results = serve_all(stream, nodeids("test_fails", "test_after", "test_last", module="test_maxfail.py"))
    assert [results[i].outcome for i in range(3)] == [O.OUTCOME_FAILED, O.OUTCOME_PASSED, O.OUTCOME_PASSED]
    assert events(project) == ["setup"]
    assert worker.wait() == 1


def test_unknown_node_id_gets_an_error_result(outcomes_project, engine, spawn_worker):
    """With what the worker collected instead, so that IDs made of random values show themselves."""
    worker = spawn_worker(outcomes_project)
    stream = engine.accept()
    stream.ready()
    stream.run(["test_outcomes.py::test_nope", "test_outcomes.py::test_pass", "test_gone.py::test_x"],
               indices=[5, 6, 7])
    stream.finish()
    results = {r.index: r for r in stream.results(3)}
    assert results[6].outcome == O.OUTCOME_PASSED
    assert results[5].outcome == results[7].outcome == O.OUTCOME_ERROR
    unknown = results[5].reports[0].longrepr
    assert "did not collect 'test_outcomes.py::test_nope'" in unknown
    assert "In 'test_outcomes.py' it collected 'test_outcomes.py::" in unknown
    assert "test IDs must be the same in every process" in unknown
    assert "It collected no test of 'test_gone.py'" in results[7].reports[0].longrepr
    stream.drain()
    assert worker.wait() == 0


def test_undecodable_text_and_large_failures_survive(tmp_path, engine, spawn_worker):
    """Lone surrogates (protobuf rejects them) are escaped; 10 failures with 600 kB of output each are
    split across messages below gRPC's default 4 MiB limit, which the fake engine keeps."""
    project = write_project(tmp_path / "texts", {"test_texts.py": """\
        import pytest

        def test_surrogate():
            raise ValueError("bad \\udcff byte")

        @pytest.mark.parametrize("i", range(10))
        def test_loud_failure(i):
            print("x" * 600_000)
            assert i < 0
    """})
    ids = ["test_texts.py::test_surrogate"] + [f"test_texts.py::test_loud_failure[{i}]" for i in range(10)]
    worker = spawn_worker(project, "-p", "no:cacheprovider")
    stream = engine.accept()
    stream.ready()
    results = serve_all(stream, ids, batch_size=11, report_at=0)
    assert {r.outcome for r in results.values()} == {O.OUTCOME_FAILED}
    assert results[0].reports[0].summary == "ValueError: bad \\udcff byte"
    assert len(results[1].reports[0].sections[0].content) > 600_000
    assert worker.wait() == 1


def start_trivial_worker(tmp_path, engine, spawn_worker, count):
    """A worker serving `count` trivial tests, ready; returns (worker, stream, node IDs)."""
    project = write_project(tmp_path / "trivial", {"test_trivial.py": f"""\
        import pytest

        @pytest.mark.parametrize("i", range({count}))
        def test_trivial(i):
            pass
    """})
    worker = spawn_worker(project, "-q", "-p", "no:cacheprovider")
    stream = engine.accept()
    stream.ready()
    return worker, stream, [f"test_trivial.py::test_trivial[{i}]" for i in range(count)]


def test_many_trivial_tests_each_reported_once(tmp_path, engine, spawn_worker):
    worker, stream, ids = start_trivial_worker(tmp_path, engine, spawn_worker, 2000)
    results = serve_all(stream, ids, batch_size=200, report_at=50)
    assert {r.outcome for r in results.values()} == {O.OUTCOME_PASSED}
    assert worker.wait() == 0


def test_progress_is_left_to_the_engine(tmp_path, engine, spawn_worker):
    # The worker's own terminal reporter writes to a file nobody reads: it must not spend time per test.
    worker, stream, ids = start_trivial_worker(tmp_path, engine, spawn_worker, 50)
    results = serve_all(stream, ids)
    assert {r.outcome for r in results.values()} == {O.OUTCOME_PASSED}
    assert worker.wait() == 0
    assert "." * 10 not in worker.stdout(), worker.stdout()  # pytest -q would print 50 progress dots


def test_a_low_queue_asks_for_work_once_per_batch(tmp_path, engine, spawn_worker):
    # 20 tests, report at 10, and no refill: the worker reports once when its queue gets down to 10 (its
    # request for more), then runs on to its last test, which it cannot run before it knows the next,
    # and flushes before it waits. A flush per test below report_at would make ten messages.
    worker, stream, ids = start_trivial_worker(tmp_path, engine, spawn_worker, 20)
    stream.run(ids, report_at=10)
    messages = []
    while sum(len(m.results.results) for m in messages) < 19:
        messages.append(stream.recv())
        assert messages[-1] is not None and messages[-1].WhichOneof("kind") == "results", messages[-1]
    assert messages[0].results.queued <= 10, messages[0]
    # Generous: FLUSH_SECONDS adds a flush for every tenth of a second a stalled machine takes.
    assert len(messages) <= 5, [len(m.results.results) for m in messages]
    stream.finish()
    assert len(stream.results(1)) == 1
    assert worker.wait() == 0


# -- failures: collection, engine gone, crashes -------------------------------------------------------


def test_collection_error_sends_worker_failed(tmp_path, engine, spawn_worker):
    project = write_project(tmp_path / "broken", {
        "test_ok.py": "def test_ok():\n    pass\n",
        "test_broken.py": "import module_that_does_not_exist\n",
    })
    worker = spawn_worker(project)
    stream = engine.accept()
    message = stream.recv(60)
    assert message.WhichOneof("kind") == "failed"
    assert message.failed.worker_id == "gw0" and message.failed.token == "secret-token"
    assert "1 error(s) during collection" in message.failed.message
    assert ("ERROR test_broken.py - ModuleNotFoundError: No module named 'module_that_does_not_exist'"
            in message.failed.message)
    assert stream.drain() == []
    assert worker.wait() == 1


def test_worker_exits_when_the_engine_server_stops(scoped_project, engine, spawn_worker):
    worker = spawn_worker(scoped_project)
    stream = engine.accept()
    stream.ready()
    stream.run(nodeids("test_sleeps_long", "test_a", module="test_scoped.py"))
    wait_for(lambda: worker.status()[1] == 0, what="the long test to start")
    stopped = time.monotonic()
    engine.stop(grace=0)
    assert worker.wait(timeout=30) == 70
    assert time.monotonic() - stopped < 10
    assert "lost the engine stream" in worker.stderr()


def test_worker_exits_when_the_engine_process_is_killed(scoped_project, socket_dir, spawn_worker):
    socket = socket_dir / "killed.sock"
    engine_proc = subprocess.Popen(
        [sys.executable, str(HERE / "fake_engine.py"), str(socket), "test_scoped.py::test_sleeps_long"],
        env=shim_env(), stdout=subprocess.PIPE, encoding="utf-8")
    try:
        wait_for(socket.exists, what="the engine's socket")
        worker = spawn_worker(scoped_project, address=f"unix:{socket}")
        assert engine_proc.stdout.readline() == "sent\n"
        wait_for(lambda: worker.status()[1] == 0, what="the long test to start")
        killed = time.monotonic()
        engine_proc.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == 70
        assert time.monotonic() - killed < 10
    finally:
        engine_proc.kill()
        engine_proc.wait()


def test_worker_exits_when_the_engine_ends_the_stream_early(scoped_project, engine, spawn_worker):
    worker = spawn_worker(scoped_project)
    stream = engine.accept()
    stream.ready()
    stream.end()
    assert worker.wait(timeout=30) == 70, worker.stderr()


def test_crash_leaves_a_traceback_and_the_slot_names_the_test(scoped_project, engine, spawn_worker):
    worker = spawn_worker(scoped_project)
    stream = engine.accept()
    stream.ready()
    stream.run(nodeids("test_crash", "test_a", module="test_scoped.py"), indices=[41, 42])
    assert worker.wait() == -signal.SIGSEGV
    assert worker.status()[1] == 41
    stderr = worker.stderr()
    assert "Fatal Python error: Segmentation fault" in stderr
    assert re.search(r'File ".*test_scoped\.py", line \d+ in test_crash', stderr), stderr


FORKING = {
    "test_forking.py": """\
        import multiprocessing
        import os


        def square(x):
            return x * x


        def test_fork_pool():
            with multiprocessing.get_context("fork").Pool(2) as pool:
                assert pool.map(square, range(10)) == [x * x for x in range(10)]


        def test_child_falls_through_into_pytest():
            pid = os.fork()
            if pid == 0:
                raise SystemExit(0)  # the child carries on inside pytest, as a careless test's would
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 70


        def test_after():
            pass
    """,
}


SPAWNING = {
    "test_spawning.py": """\
        import os
        import subprocess

        import pytest


        @pytest.mark.parametrize("i", range(40))
        def test_spawn(i):
            for _ in range(5):
                subprocess.run(["true"], check=True, timeout=60)
                child = os.fork()  # fork+exec by hand: the path subprocess takes where vfork is not used
                if child == 0:
                    os.execv("/bin/true", ["true"])
                assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0


        def test_environment_untouched():
            assert "GRPC_ENABLE_FORK_SUPPORT" not in os.environ
    """,
}


def test_subprocesses_of_tests_survive_the_workers_grpc(tmp_path, engine, spawn_worker):
    """With gRPC's fork handlers on (grpcio 1.80, the newest for Python 3.9), a child forked while the
    worker's gRPC threads run could die of SIGABRT before exec; 3 of these 40 tests failed that way."""
    project = write_project(tmp_path / "spawning", SPAWNING)
    ids = [f"test_spawning.py::test_spawn[{i}]" for i in range(40)] + ["test_spawning.py::test_environment_untouched"]
    worker = spawn_worker(project, "-p", "no:cacheprovider")
    stream = engine.accept()
    stream.ready()
    results = serve_all(stream, ids, batch_size=8, report_at=2)
    failed = {ids[i]: r.reports[0].summary for i, r in results.items() if r.outcome != O.OUTCOME_PASSED}
    assert failed == {}
    assert worker.wait() == 0


def test_tests_that_fork_leave_no_stray_workers(tmp_path, engine, spawn_worker):
    project = write_project(tmp_path / "forking", FORKING)
    ids = nodeids("test_fork_pool", "test_child_falls_through_into_pytest", "test_after",
                  module="test_forking.py")
    worker = spawn_worker(project)
    stream = engine.accept()
    stream.ready()
    results = serve_all(stream, ids, batch_size=3)
    assert [results[i].outcome for i in range(3)] == [O.OUTCOME_PASSED] * 3, [
        r.reports[0].longrepr for r in results.values() if r.reports]
    assert worker.wait() == 0
    assert worker.status()[1] == -1  # the child did not touch the parent's slot


# -- xdist compatibility -------------------------------------------------------------------------------

FIXTURES_PROJECT = {
    "test_fixtures.py": """\
        import os

        def test_xdist_fixtures(worker_id, testrun_uid):
            assert worker_id == "gw7"
            assert testrun_uid == "run-uid-1"
            assert os.environ["PYTEST_XDIST_WORKER"] == "gw7"
    """,
}

WITH_AND_WITHOUT_XDIST = [
    pytest.param(("-p", "no:xdist"), id="without-xdist"),
    pytest.param((), id="with-xdist", marks=pytest.mark.skipif(not XDIST_INSTALLED, reason="needs pytest-xdist")),
]


@pytest.mark.parametrize("plugin_args", WITH_AND_WITHOUT_XDIST)
def test_worker_id_and_testrun_uid_fixtures(tmp_path, engine, spawn_worker, plugin_args):
    project = write_project(tmp_path / "fixtures", FIXTURES_PROJECT)
    worker = spawn_worker(project, *plugin_args, worker_id="gw7")
    stream = engine.accept()
    assert stream.ready().worker_id == "gw7"
    results = serve_all(stream, ["test_fixtures.py::test_xdist_fixtures"])
    assert results[0].outcome == O.OUTCOME_PASSED, results[0].reports[0].longrepr
    assert worker.wait() == 0


@pytest.mark.skipif(not XDIST_INSTALLED, reason="needs pytest-xdist")
def test_xdist_addopts_do_not_spawn_workers(tmp_path, engine, spawn_worker):
    project = write_project(tmp_path / "xdist", {
        "pytest.ini": "[pytest]\naddopts = -n 3\n",
        **FIXTURES_PROJECT,
    })
    worker = spawn_worker(project, worker_id="gw7")
    stream = engine.accept()
    stream.ready()
    results = serve_all(stream, ["test_fixtures.py::test_xdist_fixtures"])
    assert results[0].outcome == O.OUTCOME_PASSED
    assert worker.wait() == 0
    assert "created:" not in worker.stdout()  # xdist announces "created: 3/3 workers"


def test_worker_without_engine_address_is_a_usage_error(tmp_path):
    project = write_project(tmp_path / "noaddr", FIXTURES_PROJECT)
    proc = subprocess.run([sys.executable, "-m", "jackd_shim", "worker"], cwd=project, env=shim_env(),
                          stderr=subprocess.PIPE, encoding="utf-8", timeout=PROCESS_TIMEOUT)
    assert proc.returncode == 4
    assert "JACKD_ADDRESS is not set" in proc.stderr


def test_shim_is_inert_in_plain_pytest(tmp_path):
    """Importing the package registers nothing: plain pytest sessions never see the shim."""
    project = write_project(tmp_path / "plain", FIXTURES_PROJECT)
    code = "import jackd_shim, pytest, sys; sys.exit(pytest.main(['-p', 'no:xdist', '-q']))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, env=shim_env(),
                          stdout=subprocess.PIPE, encoding="utf-8", timeout=PROCESS_TIMEOUT)
    assert proc.returncode == 1  # worker_id is unknown without xdist or a jackd worker
    assert "fixture 'worker_id' not found" in proc.stdout


def test_no_pytest11_entry_point():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((HERE.parents[1] / "worker_shim" / "pyproject.toml").read_text())["project"]
    assert "pytest11" not in project.get("entry-points", {})


def test_unknown_mode_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "jackd_shim", "serve"], env=shim_env(),
                          stderr=subprocess.PIPE, encoding="utf-8", timeout=PROCESS_TIMEOUT)
    assert proc.returncode == 4
    assert "unknown or incomplete mode 'serve'" in proc.stderr

