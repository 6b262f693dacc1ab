"""A fake jackd engine: the `jackd.v1.Engine/Work` service in Python, for testing the real shim.

`FakeEngine` serves on a unix socket; every worker stream that connects becomes an `EngineStream` the
test drives by hand (send batches, Finish, Stop; read what the worker sent). `serve_all` plays a small
engine run loop on top of that (batches, refill at `report_at`, Finish), as the C++ engine will.

Run as a script (`python fake_engine.py SOCKET NODE_ID`) it serves one stream from a separate process,
sends that one test and waits forever, so a test can SIGKILL "the engine" while a worker runs.
"""

from __future__ import annotations

import queue
import sys
import threading
from concurrent import futures
from typing import Iterable, Iterator, Optional

from jackd_shim import jackd_pb2
# The test process forks shim processes while this server's threads run; like the worker, it must load
# grpc without gRPC's fork handlers (see jackd_shim.grpc_runtime).
from jackd_shim.grpc_runtime import grpc

_END = object()


class EngineStream:
    """One worker's Work stream, seen from the engine's side."""

    def __init__(self) -> None:
        self.received: "queue.Queue[Optional[jackd_pb2.WorkerMessage]]" = queue.Queue()
        self._outbound: "queue.Queue[object]" = queue.Queue()
        self.closed_by_worker = threading.Event()

    # -- engine -> worker ---------------------------------------------------------------------------

    def run(self, node_ids: Iterable[str], first_index: int = 0, report_at: int = 0,
            indices: Optional[Iterable[int]] = None) -> None:
        node_ids = list(node_ids)
        indices = list(indices) if indices is not None else range(first_index, first_index + len(node_ids))
        tests = [jackd_pb2.TestRef(index=i, node_id=n) for i, n in zip(indices, node_ids)]
        self.send(jackd_pb2.EngineMessage(run=jackd_pb2.RunBatch(tests=tests, report_at=report_at)))

    def finish(self) -> None:
        self.send(jackd_pb2.EngineMessage(finish=jackd_pb2.Finish()))

    def stop(self) -> None:
        self.send(jackd_pb2.EngineMessage(stop=jackd_pb2.Stop()))

    def send(self, message: jackd_pb2.EngineMessage) -> None:
        self._outbound.put(message)

    def end(self) -> None:
        """End the response stream from the engine's side (status OK)."""
        self._outbound.put(_END)

    # -- worker -> engine ---------------------------------------------------------------------------

    def recv(self, timeout: float = 30.0) -> Optional[jackd_pb2.WorkerMessage]:
        """The next WorkerMessage, or None once the worker closed its side. Raises queue.Empty."""
        return self.received.get(timeout=timeout)

    def ready(self, timeout: float = 60.0) -> jackd_pb2.WorkerReady:
        message = self.recv(timeout)
        assert message is not None and message.WhichOneof("kind") == "ready", message
        return message.ready

    def results(self, count: int, timeout: float = 60.0) -> list[jackd_pb2.TestResult]:
        """Read TestResults messages until `count` results arrived."""
        results: list[jackd_pb2.TestResult] = []
        while len(results) < count:
            message = self.recv(timeout)
            assert message is not None, f"stream closed after {len(results)} of {count} results"
            assert message.WhichOneof("kind") == "results", message
            results.extend(message.results.results)
        return results

    def drain(self, timeout: float = 60.0) -> list[jackd_pb2.WorkerMessage]:
        """Every message until the worker closes its side."""
        messages = []
        while True:
            message = self.recv(timeout)
            if message is None:
                return messages
            messages.append(message)

    # -- server side --------------------------------------------------------------------------------

    def _pump(self, request_iterator: Iterator[jackd_pb2.WorkerMessage]) -> None:
        try:
            for message in request_iterator:
                self.received.put(message)
        except grpc.RpcError:
            pass
        finally:
            self.closed_by_worker.set()
            self.received.put(None)
            self._outbound.put(_END)  # like the engine: the worker closed, so end the stream

    def _responses(self) -> Iterator[jackd_pb2.EngineMessage]:
        while True:
            message = self._outbound.get()
            if message is _END:
                return
            yield message


class FakeEngine:
    """A gRPC server with the Engine service on `unix:<socket_path>`; `accept` hands out streams."""

    def __init__(self, socket_path: str) -> None:
        self.address = f"unix:{socket_path}"
        self._streams: "queue.Queue[EngineStream]" = queue.Queue()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        handler = grpc.method_handlers_generic_handler("jackd.v1.Engine", {
            "Work": grpc.stream_stream_rpc_method_handler(
                self._work,
                request_deserializer=jackd_pb2.WorkerMessage.FromString,
                response_serializer=jackd_pb2.EngineMessage.SerializeToString,
            ),
        })
        self._server.add_generic_rpc_handlers((handler,))
        self._server.add_insecure_port(self.address)
        self._server.start()

    def accept(self, timeout: float = 60.0) -> EngineStream:
        return self._streams.get(timeout=timeout)

    def stop(self, grace: Optional[float] = None) -> None:
        self._server.stop(grace).wait()

    def _work(self, request_iterator, context) -> Iterator[jackd_pb2.EngineMessage]:
        stream = EngineStream()
        threading.Thread(target=stream._pump, args=(request_iterator,), daemon=True).start()
        self._streams.put(stream)
        yield from stream._responses()


def serve_all(stream: EngineStream, node_ids: list[str], batch_size: int = 50,
              report_at: int = 10, timeout: float = 120.0) -> dict[int, jackd_pb2.TestResult]:
    """Play the engine's run loop for one worker: hand out `node_ids` (index = position) in batches,
    refill when the worker reports its queue down to `report_at`, then Finish. Returns results by index
    and checks that every test got exactly one."""
    results: dict[int, jackd_pb2.TestResult] = {}
    sent = 0

    def send_batch() -> None:
        nonlocal sent
        batch = node_ids[sent:sent + batch_size]
        stream.run(batch, first_index=sent, report_at=report_at)
        sent += len(batch)
        if sent == len(node_ids):
            stream.finish()

    send_batch()
    if sent < len(node_ids):
        send_batch()  # two batches in flight, so the worker never waits for a refill
    while True:
        message = stream.recv(timeout)
        if message is None:
            break
        assert message.WhichOneof("kind") == "results", message
        for result in message.results.results:
            assert result.index not in results, f"second result for test {result.index}"
            results[result.index] = result
        if sent < len(node_ids) and message.results.queued <= report_at:
            send_batch()
    missing = set(range(len(node_ids))) - set(results)
    assert not missing, f"no result for tests {sorted(missing)[:10]}"
    return results


def _serve_one_forever(socket_path: str, node_id: str) -> None:
    engine = FakeEngine(socket_path)
    stream = engine.accept()
    stream.ready()
    stream.run([node_id, node_id])  # the repeat makes the first one runnable (its next is known)
    sys.stdout.write("sent\n")
    sys.stdout.flush()
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    _serve_one_forever(sys.argv[1], sys.argv[2])
