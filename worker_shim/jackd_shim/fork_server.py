"""The fork server: workers forked from one interpreter that has already imported pytest and gRPC.

Every worker used to start a Python of its own and import pytest, its built-in plugins, gRPC and
protobuf: about 0.35 s of CPU each, paid N times over on a machine with fewer cores than workers. The
engine (engine/fork_server.h) starts this server once per run instead; it imports those modules and then
forks one worker per request, which starts where a freshly started worker would be after its imports.

Only modules with no per-process state are imported here: pytest and its default plugins, gRPC (through
grpc_runtime, so without fork handlers) with the channel code a worker uses, the generated protobuf
code, and the shim's own worker modules. Not the `-p` plugin `jackd_shim.worker_plugin` (pytest marks it
for assertion rewriting and would warn that it came too late) nor jackd_shim.compat_fixtures, which reads
the worker's environment at import. Neither the suite, its conftests nor setuptools plugins are: they
load in the worker, after coverage started, as before. No thread may run in the server, so that a fork
copies one consistent interpreter: should an import start one, the server exits at once and the engine
execs its workers.

Protocol, on the server's stdin and stdout (see docs/engine-shim-contract.md):
- a request is `N\\n` followed by N netstrings (`LEN:BYTES,`): the worker's stdout path, its stderr
  path, the number A of arguments, A arguments (the shim's mode `worker` and pytest's arguments), and
  the worker's complete environment, one `NAME=value` each;
- the reply is one line: the worker's pid, or `E ` and why it could not be started;
- end of input ends the server.

The worker must be the engine's own child, so that the engine reaps it and reads its exit status like
any worker it started itself: the server forks an intermediate process that forks the worker and exits
at once; the orphaned worker is re-parented to the engine, which is a child subreaper
(PR_SET_CHILD_SUBREAPER). The worker then arms PR_SET_PDEATHSIG, so it dies with the engine, and enters
its own process group, as engine/process.h promises of every child.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import os
import sys
import time
from typing import BinaryIO

_PR_SET_NAME = 15
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9
# How long a new worker waits to be re-parented to the engine. It takes microseconds; the bound only
# keeps a worker whose engine vanished meanwhile from waiting forever.
_REPARENT_SECONDS = 10.0


class _Request:
    def __init__(self, stdout_path: str, stderr_path: str, argv: list[str], env: list[str]) -> None:
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.argv = argv
        self.env = env


# Imported by every worker after pytest (together 15-20 ms of CPU per worker): the shim's worker modules,
# the gRPC channel code `grpc.insecure_channel` loads, and the email parser importlib.metadata loads for
# pytest's entry-point plugins. All of them only define things when imported.
_WORKER_MODULES = (
    "email.parser",
    "grpc._channel",
    "grpc._simple_stubs",
    "grpc.experimental",
    "jackd_shim.collect_plugin",
    "jackd_shim.coverage_compat",
    "jackd_shim.coverage_worker",
    "jackd_shim.items",
    "jackd_shim.link",
    "jackd_shim.live_output",
    "jackd_shim.outcome",
    "jackd_shim.protocol",
    "jackd_shim.repeats",
    "jackd_shim.rewrite_cache",
    "jackd_shim.split_collection",
    "jackd_shim.start_signal",
    "jackd_shim.worker_loop",
    "jackd_shim.xdist_compat",
)


def preload() -> None:
    """Import what every worker imports before it reads the suite."""
    import pytest  # noqa: F401
    from _pytest.config import default_plugins

    for name in default_plugins:
        try:
            importlib.import_module(f"_pytest.{name}")
        except ImportError:  # a plugin of another pytest release: the worker imports what it needs
            pass
    from jackd_shim import jackd_pb2  # noqa: F401
    from jackd_shim.grpc_runtime import grpc  # noqa: F401

    for name in _WORKER_MODULES:
        importlib.import_module(name)

    # What is loaded now lives as long as every worker: kept out of their garbage collections (a full one
    # would walk it all, about 10 ms, and pytest runs several), and out of their pages' copy-on-write.
    gc.freeze()


def _netstring(stream: BinaryIO) -> bytes:
    length = b""
    while True:
        char = stream.read(1)
        if not char:
            raise EOFError
        if char == b":":
            break
        length += char
    data = stream.read(int(length))
    if len(data) != int(length) or stream.read(1) != b",":
        raise ValueError("malformed request")
    return data


def _read_request(stream: BinaryIO) -> _Request | None:
    header = stream.readline()
    if not header:
        return None
    fields = [os.fsdecode(_netstring(stream)) for _ in range(int(header))]
    argc = int(fields[2])
    return _Request(fields[0], fields[1], fields[3:3 + argc], fields[3 + argc:])


def _reply(text: str) -> None:
    os.write(1, (text + "\n").encode("utf-8", "replace"))


def serve() -> bool:
    """Answer requests until the engine closes stdin.

    Returns False in the server when it is done, and True in a forked worker, whose sys.argv and
    environment are then set up for jackd_shim.__main__ to run the worker mode.
    """
    engine = os.getppid()
    preload()
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:  # forking would copy a process whose other threads are gone in the copy
        sys.stderr.write(f"jackd-shim: fork server: {threads} threads after the imports; the engine execs "
                         f"workers instead\n")
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    requests = os.fdopen(0, "rb", buffering=1 << 16, closefd=False)
    while True:
        try:
            request = _read_request(requests)
        except (EOFError, ValueError) as error:
            sys.stderr.write(f"jackd-shim: fork server: {error or 'truncated request'}; stopping\n")
            return False
        if request is None:
            return False
        if _fork_worker(request, engine, libc):
            return True


def _fork_worker(request: _Request, engine: int, libc: ctypes.CDLL) -> bool:
    """Start one worker. True in the worker; False in the server, after replying."""
    sys.stderr.flush()  # nothing the server wrote may reach a worker's stderr file
    read_end, write_end = os.pipe()
    try:
        intermediate = os.fork()
    except OSError as error:
        os.close(read_end)
        os.close(write_end)
        _reply(f"E fork: {error.strerror}")
        return False
    if intermediate == 0:
        os.close(read_end)
        intermediate = os.getpid()
        try:
            worker = os.fork()
        except OSError as error:
            os.write(write_end, f"E fork: {error.strerror}".encode())
            os._exit(0)
        if worker == 0:
            os.close(write_end)
            _become_worker(request, engine, intermediate, libc)
            return True
        try:
            os.setpgid(worker, worker)  # also done by the worker; whichever runs first wins the race
        except OSError:
            pass
        os.write(write_end, str(worker).encode())
        os._exit(0)
    os.close(write_end)
    answer = b""
    while True:
        chunk = os.read(read_end, 256)
        if not chunk:
            break
        answer += chunk
    os.close(read_end)
    os.waitpid(intermediate, 0)
    _reply(answer.decode() if answer else "E the intermediate process died")
    return False


def _become_worker(request: _Request, engine: int, intermediate: int, libc: ctypes.CDLL) -> None:
    """In the new worker: wait to be the engine's child, then take the request's files and environment."""
    os.setpgid(0, 0)
    deadline = time.monotonic() + _REPARENT_SECONDS
    while os.getppid() == intermediate:
        if time.monotonic() > deadline:
            os._exit(127)
        time.sleep(0.0001)
    libc.prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
    if os.getppid() != engine:  # the engine died before the worker could arm PDEATHSIG
        os._exit(127)
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        out = os.open(request.stdout_path, flags, 0o600)
        err = os.open(request.stderr_path, flags, 0o600)
    except OSError:
        os._exit(127)  # as an exec that failed: the engine reports a worker that could not start
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    # `top` and `ps -o comm` show which worker this is (its command line is still the server's).
    worker_id = next((entry.split("=", 1)[1] for entry in request.env if entry.startswith("JACKD_WORKER_ID=")),
                     "")
    if worker_id:
        libc.prctl(_PR_SET_NAME, ctypes.c_char_p(f"jackd-{worker_id}"[:15].encode()), 0, 0, 0)
    os.environ.clear()
    for entry in request.env:
        name, _, value = entry.partition("=")
        if name:
            os.environ[name] = value
    sys.argv = ["-c", *request.argv]
