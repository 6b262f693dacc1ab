import os
import sys


def test_before():
    pass


def test_child_falls_through_with_sys_exit():
    # The child raises SystemExit into the test runner, as a test that forgets os._exit does. With
    # E2E_PID_DIR set, the parent records the child's pid in `forked-child.pid` there.
    pid = os.fork()
    if pid == 0:
        sys.exit(0)
    directory = os.environ.get("E2E_PID_DIR")
    if directory:
        with open(os.path.join(directory, "forked-child.pid"), "w") as f:
            f.write(str(pid))
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) or os.WIFSIGNALED(status)


def test_after():
    pass
