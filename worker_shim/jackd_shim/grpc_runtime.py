"""grpc, loaded with its fork handlers turned off.

A worker keeps a gRPC channel and two gRPC threads alive while tests run, and tests fork: subprocess
(fork+exec on Python 3.9, and whenever vfork cannot be used), multiprocessing, os.fork. gRPC's
pthread_atfork handlers, on by default in several grpcio releases, can then abort or hang the child
before it execs (grpc/grpc#13998, #17986, #22624): a test's `subprocess.run(["true"])` dies of SIGABRT
under jackd but not under pytest. A worker never uses gRPC in a forked child, which is the case gRPC
documents GRPC_ENABLE_FORK_SUPPORT=false for.

The variable is set only while grpc loads (gRPC reads it then) and removed right after, so tests and
their subprocesses see the environment the engine gave. A value the user set explicitly is respected.

Import `grpc` from here, before anything else in the process imports it.
"""

import os

_FORK_SUPPORT = "GRPC_ENABLE_FORK_SUPPORT"

_user_value = os.environ.get(_FORK_SUPPORT)
if _user_value is None:
    os.environ[_FORK_SUPPORT] = "false"
try:
    import grpc
finally:
    if _user_value is None:
        os.environ.pop(_FORK_SUPPORT, None)

__all__ = ["grpc"]
