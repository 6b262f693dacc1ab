"""What users see while a run goes on: the live status area on a terminal (driven through a real
pseudo-terminal), progress and SLOW lines in a log, the status dump (SIGUSR1 or 't'), workers' output
under -s and --log-cli-level, and colour choices.

The long test of the `live` project waits for a gate file, so each test observes a running test for as
long as it needs and then lets the run end: nothing here depends on how long anything takes, except
through generous bounds."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
import uuid

import pytest

from jackd_e2e import RUN_TIMEOUT, clean_env, final_line, kill_pids, processes_with_marker, wait_until

SEEN_TIMEOUT = 60  # seconds to wait for something to appear in the output; it takes well under a second
ESCAPE = "\x1b"
ANSI_SEQUENCE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PtyRun:
    """`jackd run` on a pseudo-terminal of a given size, its output read as it comes."""

    def __init__(self, argv, cwd, env, rows=30, columns=100):
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.marker = env["E2E_RUN_MARKER"]
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=self.slave, stdout=self.slave, stderr=self.slave, start_new_session=True
        )
        self._chunks = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                if self.proc.poll() is not None:
                    return
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the child side is gone
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    @property
    def raw_output(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode("utf-8", errors="replace")

    @property
    def output(self) -> str:
        """What was written, without colours and cursor movements."""
        return ANSI_SEQUENCE.sub("", self.raw_output)

    def wait_for(self, pattern: str) -> re.Match:
        found = []
        seen = wait_until(lambda: found.append(re.search(pattern, self.output)) or found[-1], SEEN_TIMEOUT)
        assert seen, f"never saw {pattern!r} on the terminal; it showed:\n{self.output[-4000:]!r}"
        return found[-1]

    def press(self, key: bytes):
        os.write(self.master, key)

    def wait(self) -> int:
        try:
            rc = self.proc.wait(timeout=RUN_TIMEOUT)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            kill_pids(processes_with_marker(self.marker))
        self._reader.join(timeout=10)
        return rc

    def close(self):
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def live_project(project, tmp_path):
    path = project("live")
    gate = tmp_path / "gate"
    return path, gate


def jackd_argv(jackd_bin, test_python, *args):
    return [jackd_bin, "run", "--python", test_python, *args]


def test_terminal_shows_a_live_status_area(jackd_bin, test_python, live_project):
    path, gate = live_project
    env = clean_env({"E2E_GATE": gate, "TERM": "xterm", "COLUMNS": None, "CI": None, "NO_COLOR": None})
    env["E2E_RUN_MARKER"] = uuid.uuid4().hex
    run = PtyRun(jackd_argv(jackd_bin, test_python, "-n", "2", "--slow", "1", "-p", "no:cacheprovider"), path, env)
    try:
        # The area: a progress bar with counts, and a line per worker naming its test, redrawn in place.
        run.wait_for(r"\[[#-]{10,}.*\] +\d+% \d+/10 ")
        run.wait_for(r"\[gw[01]\] +\d+\.\ds SLOW test_gate\.py::test_gate")
        assert "\x1b[J" in run.raw_output, "the area is never erased and redrawn"
        # The failing test is shown above the area as it happens, long before the run ends.
        run.wait_for(r"_+ test_fails _+")
        assert "short test summary info" not in run.output
        # 't' lists what each worker runs, with the main thread's stack.
        run.press(b"t")
        dump = run.wait_for(r"what each worker is doing:(.|\n)*?line \d+ in test_gate")
        assert re.search(r"\[gw[01]\] test_gate\.py::test_gate \(running for \d+\.\ds\)", dump.group(0))
        gate.touch()
        rc = run.wait()
        # The terminal is given back as it was found: echo and line editing on again.
        attributes = termios.tcgetattr(run.slave)
        assert attributes[3] & termios.ECHO and attributes[3] & termios.ICANON
    finally:
        run.close()
    out = run.output
    assert rc == 1, out[-3000:]
    assert "= FAILURES =" not in out, "a failure printed live is printed again at the end"
    summary = out[out.index("short test summary info") :]
    assert "FAILED test_chatty.py::test_fails - assert" in summary
    assert re.search(r"1 failed, 9 passed in [\d.]+s", summary), summary
    assert "[gw" not in summary, "the status area is left on screen under the summary"
    assert "SLOW" in out[: out.index("short test summary info")]


def test_log_gets_plain_progress_and_slow_lines(start_jackd, live_project):
    path, gate = live_project
    run = start_jackd(path, "-n", "2", "--slow", "1", "--progress-interval", "1", env={"E2E_GATE": gate})
    wait_until(lambda: re.search(r"SLOW \[> 1\.0s\] \[gw[01]\] test_gate\.py::test_gate", run.output_so_far()),
               SEEN_TIMEOUT)
    wait_until(lambda: re.search(r"\[jackd\] \d+% \(\d+/10\): ", run.output_so_far()), SEEN_TIMEOUT)
    # SIGUSR1: the same status dump as 't' on a terminal.
    os.kill(run.pid, signal.SIGUSR1)
    wait_until(lambda: "in test_gate" in run.output_so_far(), SEEN_TIMEOUT)
    gate.touch()
    result = run.wait()
    assert result.rc == 1, result.describe()
    out = result.stdout
    assert ESCAPE not in out, "escape codes in a log"
    assert re.search(r"^SLOW \[> 1\.0s\] \[gw[01]\] test_gate\.py::test_gate$", out, re.M), result.describe()
    progress = re.findall(r"^\[jackd\] (\d+)% \((\d+)/10\): (\d+) passed, (\d+) failed, (\d+) skipped; .* elapsed.*$",
                          out, re.M)
    assert progress, result.describe()
    assert all(int(done) < 10 for _, done, *_ in progress)
    assert "longest running: [gw" in out
    assert re.search(r"what each worker is doing:\n(.|\n)*test_gate\.py::test_gate \(running for", out), out
    assert re.search(r"^    +File \".*test_gate\.py\", line \d+ in test_gate$", out, re.M), out
    assert "= FAILURES =" in out, "in a log, failures are listed at the end as pytest does"
    assert final_line(out).startswith("1 failed, 9 passed")


def test_capture_no_streams_each_workers_output_with_its_id(run_jackd, live_project):
    path, gate = live_project
    gate.touch()
    result = run_jackd(path, "-n", "2", "-s", env={"E2E_GATE": gate})
    assert result.rc == 1, result.describe()
    lines = re.findall(r"^\[(gw[01])\] chatty line (\d)$", result.stdout, re.M)
    assert [n for _, n in lines] == ["1", "2", "3"], result.describe()
    assert len({worker for worker, _ in lines}) == 1
    # The workers' own pytest terminal stays quiet: one header, one summary, no worker progress letters.
    assert result.stdout.count("test session starts") == 1, result.describe()
    assert not re.search(r"^\[gw[01]\] (test_\w+\.py|collected|=)", result.stdout, re.M), result.describe()


def test_log_cli_level_streams_live_log_records(run_jackd, live_project):
    path, gate = live_project
    gate.touch()
    result = run_jackd(path, "-n", "2", "--log-cli-level=INFO", env={"E2E_GATE": gate})
    assert result.rc == 1, result.describe()
    assert re.search(r"^\[gw[01]\] -+ live log call -+$", result.stdout, re.M), result.describe()
    assert re.search(r"^\[gw[01]\] INFO +chatty:test_chatty\.py:\d+ logged from test_logs$", result.stdout, re.M), (
        result.describe()
    )
    assert "chatty line" not in result.stdout.split("= FAILURES =")[0], "captured output leaked without -s"


@pytest.mark.parametrize(
    "args, env, colored",
    [
        ((), {}, False),
        (("--color=yes",), {}, True),
        ((), {"PY_COLORS": "1"}, True),
        (("--color=yes",), {"NO_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_color_choices(run_jackd, live_project, args, env, colored):
    path, gate = live_project
    gate.touch()
    result = run_jackd(path, "-n", "1", *args, env={"E2E_GATE": gate, **env})
    assert result.rc == 1, result.describe()
    assert (ESCAPE in result.stdout) == colored, result.describe()
