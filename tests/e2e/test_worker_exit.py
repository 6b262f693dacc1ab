"""A worker leaves without the interpreter's teardown once its session is over (jackd_shim.__main__),
but what a suite can observe of that teardown still happens, under both ways of starting workers: its
atexit handlers run, a file it left open and unflushed is flushed, and a non-daemon thread it left
running is waited for, as after a serial pytest.
"""
import pytest

from jackd_e2e import check_report_shape

SUITE = '''
import atexit, os, threading, time

OUT = os.environ["E2E_EXIT_DIR"]
_leaked = open(os.path.join(OUT, f"leaked-{os.getpid()}.txt"), "w")  # never flushed, never closed


def test_leaves_a_buffered_file_open():
    _leaked.write("written by a test, flushed only at exit\\n")


def test_registers_an_atexit_handler():
    atexit.register(lambda: open(os.path.join(OUT, "atexit.txt"), "w").write("ran\\n"))


def test_leaves_a_non_daemon_thread_running():
    def late():
        time.sleep(1.0)
        open(os.path.join(OUT, "thread.txt"), "w").write("finished\\n")

    threading.Thread(target=late, daemon=False).start()
'''


# Each effect on its own run: a thread still running when the session ends makes the worker take the
# interpreter's normal exit, which would flush and run everything anyway.
EFFECTS = {
    "test_leaves_a_buffered_file_open": ("leaked-*.txt", "written by a test, flushed only at exit\n"),
    "test_registers_an_atexit_handler": ("atexit.txt", "ran\n"),
    "test_leaves_a_non_daemon_thread_running": ("thread.txt", "finished\n"),
}


@pytest.mark.parametrize("start", ["fork", "exec"])
@pytest.mark.parametrize("test", sorted(EFFECTS))
def test_what_a_suite_sees_of_interpreter_teardown_still_happens(tmp_path, run_jackd, start, test):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_exit.py").write_text(SUITE)
    out = tmp_path / "out"
    out.mkdir()
    result = run_jackd(project, "-n", "1", "--worker-start", start, f"test_exit.py::{test}",
                       env={"E2E_EXIT_DIR": out})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    pattern, expected = EFFECTS[test]
    # The module is imported by the engine's collection too: a leaked file exists once per process.
    assert expected in [p.read_text() for p in out.glob(pattern)], result.describe()
