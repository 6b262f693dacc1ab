"""The worker's one `Engine.Work` stream: outbound messages from a queue, inbound ones into a queue.

Threads: gRPC consumes the request generator on its own thread (`_requests`, fed by `send`); `_read`
runs on a daemon thread and moves every EngineMessage into `inbox`. The main thread runs tests and only
touches the two queues, so no test ever waits on the network.

If the stream ends before the worker has closed its side (the engine died, was killed, or dropped the
connection), `_read` ends the process at once with EXIT_ENGINE_GONE, even while a test runs: a worker
must never outlive its engine.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator

from jackd_shim import jackd_pb2
from jackd_shim.grpc_runtime import grpc

EXIT_ENGINE_GONE = 70  # the contract's exit code for "the engine's stream broke"

WORK_METHOD = "/jackd.v1.Engine/Work"

# How long close() waits for the engine to end the stream after the worker has closed its side. The
# engine answers at once; the bound only keeps a wedged engine from holding the worker forever.
CLOSE_TIMEOUT_SECONDS = 60.0

_END = None  # ends the request stream

# How the engine ends the stream of a worker it will not take (a remote one with the wrong token, another
# protocol or another collection); the status message says why.
_REFUSALS = (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED,
             grpc.StatusCode.FAILED_PRECONDITION)


# Remote workers (`jackd worker`): keepalive pings notice an engine host that vanished; same bounds as
# the engine's (engine/tls_credentials.h).
KEEPALIVE_TIME_MS = 10_000
KEEPALIVE_TIMEOUT_MS = 10_000


def _read_pem(variable: str) -> bytes | None:
    path = os.environ.get(variable)
    if not path:
        return None
    with open(path, "rb") as stream:
        return stream.read()


def _open_channel(address: str) -> grpc.Channel:
    """A local worker's plain channel (a private Unix socket), or a remote worker's TLS one.

    JACKD_TLS=1 or JACKD_TLS_CA asks for TLS, verified with the CA in JACKD_TLS_CA (else the system's
    roots), with the client certificate JACKD_TLS_CERT / JACKD_TLS_KEY when given. Remote channels ping
    the engine (keepalive).
    """
    # No receive limit: a RunBatch of many long node IDs must not break the stream (gRPC's default is
    # 4 MiB).
    options = [("grpc.max_receive_message_length", -1)]
    if address.startswith("unix:"):
        return grpc.insecure_channel(address, options=options)
    options += [
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]
    if os.environ.get("JACKD_TLS") != "1" and not os.environ.get("JACKD_TLS_CA"):
        return grpc.insecure_channel(address, options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read_pem("JACKD_TLS_CA"),
        private_key=_read_pem("JACKD_TLS_KEY"),
        certificate_chain=_read_pem("JACKD_TLS_CERT"),
    )
    return grpc.secure_channel(address, credentials, options=options)


class EngineLink:
    """One open Work stream to the engine.

    `inbox` receives EngineMessages in order. `send` never blocks. `close` half-closes the stream and
    waits for the engine to end it; after that, the stream ending is no longer an emergency.
    """

    def __init__(self, address: str, stderr_fd: int = 2) -> None:
        self.inbox: queue.SimpleQueue[jackd_pb2.EngineMessage] = queue.SimpleQueue()
        self._outbox: queue.SimpleQueue[jackd_pb2.WorkerMessage | None] = queue.SimpleQueue()
        self._closing = threading.Event()
        self._stderr_fd = stderr_fd
        self._channel = _open_channel(address)
        work = self._channel.stream_stream(
            WORK_METHOD,
            request_serializer=jackd_pb2.WorkerMessage.SerializeToString,
            response_deserializer=jackd_pb2.EngineMessage.FromString,
        )
        self._call = work(self._requests())
        self._reader = threading.Thread(target=self._read, name="jackd-engine-reader", daemon=True)
        self._reader.start()

    def send(self, message: jackd_pb2.WorkerMessage) -> None:
        self._outbox.put(message)

    def close(self, last: jackd_pb2.WorkerMessage | None = None,
              timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Send `last` (if any) and close our side, then wait for the engine to end the stream.

        The stream's end stops being an emergency before `last` goes out: an engine may end the stream as
        soon as it reads a WorkerFailed, and that must not look like a lost engine.
        """
        self._closing.set()
        if last is not None:
            self._outbox.put(last)
        self._outbox.put(_END)
        self._reader.join(timeout)
        self._channel.close()

    def _requests(self) -> Iterator[jackd_pb2.WorkerMessage]:
        while True:
            message = self._outbox.get()
            if message is _END:
                return
            yield message

    def _read(self) -> None:
        why = "the engine ended the stream before the worker closed it"
        refused = False
        try:
            for message in self._call:
                self.inbox.put(message)
        except grpc.RpcError as error:
            why = f"{error.code()}: {error.details()}"
            refused = error.code() in _REFUSALS
        except BaseException as error:  # whatever ends this thread must end the worker too
            why = f"reading the stream failed: {error!r}"
        if not self._closing.is_set():
            self._engine_gone(why, refused)

    def _engine_gone(self, why: str, refused: bool = False) -> None:
        # Written straight to the saved stderr descriptor: fd 2 may be redirected by pytest's capture
        # right now, and os._exit flushes nothing.
        what = "the engine refused this worker" if refused else "lost the engine stream"
        message = f"jackd-shim: error: {what} ({why}); exiting {EXIT_ENGINE_GONE}\n"
        try:
            os.write(self._stderr_fd, message.encode("utf-8", "replace"))
        except OSError:
            pass
        os._exit(EXIT_ENGINE_GONE)
