"""Network namespaces as worker "hosts" for the remote-worker e2e tests.

Each host is a namespace joined to the root namespace by a veth pair. Host i gets the /30
10.B.C.(4i) inside one private /24 (B, C from this process's pid, so parallel pytest processes do not
collide): the root side is .4i+1, the host side .4i+2, with a default route back through the root side.
Every host can reach every root-side address (the root namespace delivers to its own addresses on any
interface), so an engine listening on host 0's root-side address serves them all. `cut` brings the
root side of a host's veth down: its connections stop dead without a FIN or RST, as when a cable is
pulled.

Names carry the pid and a counter: `jkn<pid>x<k>` for namespaces, `jkv<pid%100000><k>` for veths (15
characters at most, the kernel's limit).
"""
from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import dataclass

import pytest

_counter = itertools.count()


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


@dataclass
class Host:
    namespace: str
    veth_root: str
    veth_host: str
    root_address: str  # the root namespace's end: what the host connects to
    address: str  # the host's own address

    def command(self, argv: list[str]) -> list[str]:
        """`argv` run inside this host's namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def cut(self) -> None:
        _ip("link", "set", self.veth_root, "down")


class Hosts:
    """Creates hosts on demand; `remove` deletes whatever was created, also after a failure."""

    def __init__(self) -> None:
        self.hosts: list[Host] = []
        pid = os.getpid()
        self._octets = (64 + pid % 128, (pid // 128) % 256)

    def add(self) -> Host:
        index = len(self.hosts)
        if index >= 60:
            raise ValueError("at most 60 hosts fit in the /24")
        k = next(_counter)
        pid = os.getpid()
        namespace = f"jkn{pid}x{k}"
        veth_root, veth_host = f"jkv{pid % 100000}r{k}", f"jkv{pid % 100000}h{k}"
        b, c = self._octets
        root_address, address = f"10.{b}.{c}.{4 * index + 1}", f"10.{b}.{c}.{4 * index + 2}"
        host = Host(namespace, veth_root, veth_host, root_address, address)
        result = _ip("netns", "add", namespace, check=False)
        if result.returncode != 0:
            pytest.skip(f"cannot create network namespaces here ('ip netns add' failed: {result.stderr.strip()}); "
                        "the remote-worker namespace tests need root and CAP_NET_ADMIN")
        self.hosts.append(host)
        _ip("link", "add", veth_root, "type", "veth", "peer", "name", veth_host)
        _ip("link", "set", veth_host, "netns", namespace)
        _ip("addr", "add", f"{root_address}/30", "dev", veth_root)
        _ip("link", "set", veth_root, "up")
        _ip("-n", namespace, "addr", "add", f"{address}/30", "dev", veth_host)
        _ip("-n", namespace, "link", "set", veth_host, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        _ip("-n", namespace, "route", "add", "default", "via", root_address)
        return host

    def remove(self) -> None:
        for host in self.hosts:
            _ip("link", "delete", host.veth_root, check=False)  # takes its peer along
            _ip("netns", "delete", host.namespace, check=False)
        self.hosts.clear()
