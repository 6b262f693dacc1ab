"""The byte-level agreements with the engine: digest, status slot layout, UTF-8 strings."""

from __future__ import annotations

import hashlib
import re
import struct
import time

import pytest
from shim_harness import SHIM_ROOT

from jackd_shim import jackd_pb2
from jackd_shim.protocol import PROTOCOL_VERSION, StatusSlot, collection_digest, utf8_text


def test_protocol_version_matches_the_engine():
    header = SHIM_ROOT.parent / "engine" / "version.h"
    if not header.exists():
        pytest.skip("no engine/version.h beside the shim")
    match = re.search(r"kProtocolVersion\s*=\s*(\d+)", header.read_text())
    assert match, "engine/version.h no longer defines kProtocolVersion"
    assert PROTOCOL_VERSION == int(match.group(1))


def test_digest_is_sha256_of_sorted_ids_joined_by_newlines():
    ids = ["b.py::t", "a.py::t[ü]", "a.py::T::t"]
    expected = hashlib.sha256("a.py::T::t\na.py::t[ü]\nb.py::t".encode("utf-8")).hexdigest()
    assert collection_digest(ids) == expected
    assert collection_digest(reversed(ids)) == expected
    assert collection_digest([]) == hashlib.sha256(b"").hexdigest()


def test_digest_order_is_utf8_byte_order():
    # Code point order equals UTF-8 byte order, which is how the engine (C++, std::string) sorts.
    ids = ["\uffff", "\U0001f600", "z", "é"]
    assert sorted(ids) == sorted(ids, key=lambda s: s.encode("utf-8"))


def test_utf8_text_escapes_lone_surrogates_only():
    assert utf8_text("plain ü") == "plain ü"
    assert utf8_text("bad \udcff byte") == "bad \\udcff byte"
    jackd_pb2.PhaseReport(longrepr=utf8_text("x \ud800"))  # protobuf accepts the result


def test_status_slot_layout(tmp_path):
    path = tmp_path / "slot"
    path.write_bytes(b"\0" * 16)
    slot = StatusSlot(str(path))
    before = time.monotonic_ns()
    slot.started(1234)
    stamp, index = struct.unpack("<qq", path.read_bytes())
    assert index == 1234
    assert before <= stamp <= time.monotonic_ns()
    slot.finished()
    assert struct.unpack("<qq", path.read_bytes()) == (stamp, -1)
    slot.close()


def test_status_slot_needs_sixteen_bytes(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(b"\0" * 8)
    with pytest.raises(ValueError):
        StatusSlot(str(path))
