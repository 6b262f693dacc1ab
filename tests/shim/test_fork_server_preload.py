"""What the fork server imports before it forks workers (jackd_shim.fork_server.preload).

Everything it imports is shared by every worker, so it must hold no per-process state: no thread, no
module that reads the worker's environment at import, no `-p` plugin pytest wants to rewrite, and no
fork hook that would mistake the workers themselves for processes forked by a test.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import os, sys, threading
    from jackd_shim import fork_server
    fork_server.preload()
    assert threading.active_count() == 1, threading.enumerate()
    assert len(os.listdir("/proc/self/task")) == 1
    for name in ("jackd_shim.worker_plugin", "jackd_shim.compat_fixtures"):
        assert name not in sys.modules, name + " was preloaded"
    assert "jackd_shim.worker_loop" in sys.modules  # else this test checks nothing below
    pid = os.fork()
    if pid == 0:
        from jackd_shim import worker_loop
        os._exit(3 if worker_loop._in_forked_child else 0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "a worker forked by the server counts as a test's child"
    print("ok")
""")


def test_preload_leaves_nothing_per_process_behind():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
