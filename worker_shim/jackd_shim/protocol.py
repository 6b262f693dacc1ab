"""Constants and small codecs shared with the engine (proto/jackd.proto is the message contract).

Everything here must agree byte for byte with the C++ side: the protocol version, the collection digest
and the status slot layout.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
import time
from collections.abc import Iterable

# Bump together with kProtocolVersion in the engine on any incompatible change of proto/jackd.proto.
PROTOCOL_VERSION = 1

# Saved at import so that tests which mock `time.monotonic_ns` cannot disturb the slot's timestamps.
_clock_ns = time.monotonic_ns

STATUS_SLOT_SIZE = 16
_INT64_LE = struct.Struct("<q")
_IDLE = -1


def collection_digest(node_ids: Iterable[str]) -> str:
    """Return the order-independent digest of a collection.

    sha256, as lowercase hex, of the node IDs sorted by code point (which is also UTF-8 byte order, as the
    engine sorts) and joined with "\\n", encoded as UTF-8. The IDs are the ones sent in the protocol,
    i.e. after `utf8_text`; raises UnicodeEncodeError for IDs that are not.
    """
    joined = "\n".join(sorted(node_ids))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def utf8_text(text: str) -> str:
    """`text`, made encodable for a proto3 string field (which must be valid UTF-8).

    Exception messages and captured output can carry lone surrogates (undecodable bytes surfaced by
    `surrogateescape`); protobuf refuses those, and one bad string must not cost the run its results.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class StatusSlot:
    """The worker's 16-byte liveness slot, shared with the engine through a file mapping.

    Layout (little-endian): int64 CLOCK_MONOTONIC nanoseconds at offset 0, int64 engine index of the
    running test at offset 8, or -1 while no test runs. The timestamp is written before the index, so
    an engine that sees a new index also sees that test's start time.
    """

    def __init__(self, path: str) -> None:
        fd = os.open(path, os.O_RDWR)
        try:
            self._map = mmap.mmap(fd, STATUS_SLOT_SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)  # the mapping keeps its own reference to the file

    def started(self, index: int) -> None:
        """Record that the test with the engine's `index` starts now."""
        _INT64_LE.pack_into(self._map, 0, _clock_ns())
        _INT64_LE.pack_into(self._map, 8, index)

    def finished(self) -> None:
        """Record that no test is running."""
        _INT64_LE.pack_into(self._map, 8, _IDLE)

    def close(self) -> None:
        self._map.close()


class NoStatusSlot:
    """Stands in for StatusSlot when JACKD_STATUS_FILE is not set (remote workers)."""

    def started(self, index: int) -> None:
        pass

    def finished(self) -> None:
        pass

    def close(self) -> None:
        pass


def open_status_slot(path: str | None) -> StatusSlot | NoStatusSlot:
    return StatusSlot(path) if path else NoStatusSlot()
