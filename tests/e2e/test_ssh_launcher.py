"""`jackd run --ssh`: remote workers started over a real SSH connection.

A private OpenSSH server runs in a network namespace made for the test (a veth pair joins it to the root
namespace), with its own host key, an authorized key made at test time, and its own config. The real
`jackd worker` is not needed to test the launcher: `--ssh-jackd` points at a fake that records its argv,
working directory and stdin and exits 0, so the test checks exactly what reached the remote host. One
local worker (-n 1) runs the suite, so the run still completes with every result.

Skipped, with the reason, where namespaces cannot be made (not root, no CAP_NET_ADMIN) or sshd is missing.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from jackd_e2e import check_report_shape
from tls_certificates import make_tls

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
# Generous bounds: sshd starts in well under a second; only a broken setup reaches them.
SSHD_START_TIMEOUT = 20
TOKEN = "tok-3b9f1c-never-on-a-command-line"

FAKE_JACKD = """#!/bin/sh
# A stand-in for `jackd` on the remote host: records how it was started, then exits 0.
out="$(dirname "$0")/call-$$"
mkdir "$out"
printf '%s\\0' "$@" > "$out/argv"
pwd > "$out/cwd"
cat > "$out/stdin"
exit 0
"""


# The suite the local worker runs: its first test waits until the engine has no ssh child left (exited and
# reaped), so every ssh has ended, and been reported, before the run ends and the launcher stops them.
# The engine forks every ssh before any test can start, but on a busy machine a child may not have reached
# its exec yet when the test looks: it still bears the engine's name, `jackd`, and counts too.
WAITING_SUITE = """
import os
import time

def ssh_children(engine):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        parent = int(text[text.rindex(")") + 2 :].split()[1])
        if name in ("ssh", "jackd") and parent == engine:
            found.append(int(entry))
    return found

def test_after_every_ssh_ended():
    engine = os.getppid()
    deadline = time.monotonic() + 60
    while ssh_children(engine):
        assert time.monotonic() < deadline, "an ssh still runs after 60 s"
        time.sleep(0.05)

def test_more():
    pass
"""
SUITE_TESTS = 2


def _waiting_project(project, tmp_path):
    source = tmp_path / "ssh_suite"
    source.mkdir()
    (source / "pytest.ini").write_text("[pytest]\n")
    (source / "test_after_ssh.py").write_text(WAITING_SUITE)
    return project(source)


def _run(*argv, check=True):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=check)


class SshHost:
    """A namespace with an sshd; `address` is its IP, `gateway` the root namespace's end of the veth."""

    def __init__(self, tmp: Path):
        pid = os.getpid()
        self.namespace = f"jackd-ssh-{pid}"
        self.veth_root, self.veth_ns = f"jsr{pid}", f"jsn{pid}"
        # A /30 of its own per test process in 10.77.0.0/16, so concurrent runs do not collide.
        block = (pid % 16384) * 4
        prefix = f"10.77.{block // 256}."
        self.gateway, self.address = prefix + str(block % 256 + 1), prefix + str(block % 256 + 2)
        self.port = 20000 + pid % 20000
        self.tmp = tmp
        self.sshd = None
        self.cleanups = []

    def start(self):
        made = subprocess.run(["ip", "netns", "add", self.namespace], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"cannot create a network namespace (needs root/CAP_NET_ADMIN): {made.stderr.strip()}")
        self.cleanups.append(lambda: _run("ip", "netns", "del", self.namespace, check=False))
        _run("ip", "link", "add", self.veth_root, "type", "veth", "peer", "name", self.veth_ns)
        self.cleanups.append(lambda: _run("ip", "link", "del", self.veth_root, check=False))
        _run("ip", "link", "set", self.veth_ns, "netns", self.namespace)
        _run("ip", "addr", "add", f"{self.gateway}/30", "dev", self.veth_root)
        _run("ip", "link", "set", self.veth_root, "up")
        inside = ["ip", "netns", "exec", self.namespace]
        _run(*inside, "ip", "addr", "add", f"{self.address}/30", "dev", self.veth_ns)
        _run(*inside, "ip", "link", "set", self.veth_ns, "up")
        _run(*inside, "ip", "link", "set", "lo", "up")

        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.tmp / "host_key")
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.tmp / "client_key")
        shutil.copy(self.tmp / "client_key.pub", self.tmp / "authorized_keys")
        config = self.tmp / "sshd_config"
        config.write_text(
            f"Port {self.port}\n"
            f"ListenAddress {self.address}\n"
            f"HostKey {self.tmp / 'host_key'}\n"
            f"PidFile {self.tmp / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.tmp / 'authorized_keys'}\n"
            "UsePAM no\n"
            # The key files live under the test's tmp directory, whose parents sshd's checks dislike.
            "StrictModes no\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "LogLevel VERBOSE\n"
        )
        # sshd insists on its privilege separation directory (the openssh-server package's service makes it).
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.sshd_log = open(self.tmp / "sshd.log", "w")
        self.sshd = subprocess.Popen(
            [*inside, SSHD, "-D", "-e", "-f", str(config)], stdout=self.sshd_log, stderr=subprocess.STDOUT
        )
        self.cleanups.append(self._stop_sshd)
        deadline = time.monotonic() + SSHD_START_TIMEOUT
        while True:
            try:
                socket.create_connection((self.address, self.port), timeout=1).close()
                return
            except OSError:
                if self.sshd.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("sshd did not start:\n" + (self.tmp / "sshd.log").read_text())
                time.sleep(0.1)

    def _stop_sshd(self):
        if self.sshd.poll() is None:
            self.sshd.terminate()
            try:
                self.sshd.wait(10)
            except subprocess.TimeoutExpired:
                self.sshd.kill()
                self.sshd.wait()
        self.sshd_log.close()

    def ssh_options(self):
        """The client side, as --ssh-option arguments."""
        options = [
            f"IdentityFile={self.tmp / 'client_key'}",
            "IdentitiesOnly=yes",
            f"Port={self.port}",
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "LogLevel=ERROR",
            "ConnectTimeout=20",
        ]
        return [arg for option in options for arg in ("--ssh-option", option)]

    def close(self):
        for cleanup in reversed(self.cleanups):
            cleanup()


@pytest.fixture
def ssh_host(tmp_path):
    if not Path(SSHD).exists():
        pytest.skip(f"no sshd at {SSHD} (apt-get install openssh-server; .ci/apt-packages.txt lists it)")
    if shutil.which("ip") is None or shutil.which("ssh") is None:
        pytest.skip("needs iproute2's `ip` and the ssh client")
    host = SshHost(tmp_path / "sshd")
    host.tmp.mkdir()
    try:
        host.start()
        yield host
    finally:
        host.close()


@pytest.fixture
def fake_jackd(tmp_path):
    """The fake remote jackd, in a directory whose name needs quoting; calls() lists its recorded starts."""
    directory = tmp_path / "fake jackd's bin"
    directory.mkdir()
    script = directory / "jackd"
    script.write_text(FAKE_JACKD)
    script.chmod(0o755)

    class Fake:
        path = script

        @staticmethod
        def calls():
            out = []
            for call in sorted(directory.glob("call-*")):
                out.append(
                    {
                        "argv": (call / "argv").read_bytes().split(b"\0")[:-1],
                        "cwd": (call / "cwd").read_text().strip(),
                        "stdin": (call / "stdin").read_text(),
                    }
                )
            return out

    return Fake


def _tls_args(tmp_path, ssh_host) -> list:
    """The engine's TLS (its certificate names the address the namespace host connects to)."""
    tls = make_tls(tmp_path / "tls", [ssh_host.gateway])
    return ["--tls-cert", tls["server"], "--tls-key", tls["server_key"]]


def _token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


def test_ssh_starts_the_contracts_worker_command_with_the_token_on_stdin(
    project, run_jackd, ssh_host, fake_jackd, tmp_path
):
    path = _waiting_project(project, tmp_path)
    listen = f"{ssh_host.gateway}:{ssh_host.port + 1}"
    unreachable = ssh_host.gateway  # the root namespace's end: no sshd listens there
    result = run_jackd(
        path,
        "-n", "1",
        "--listen", listen,
        *_tls_args(tmp_path, ssh_host),
        "--token-file", _token_file(tmp_path),
        "--ssh", f"{ssh_host.address},{unreachable}",
        "--ssh-workers", "2",
        "--ssh-jackd", fake_jackd.path,
        "--ssh-tls-ca", "/etc/jackd/ca dir/ca.pem",
        *ssh_host.ssh_options(),
    )  # fmt: skip
    assert result.rc == 0, result.describe()
    assert result.report["summary"].get("passed") == SUITE_TESTS, result.describe()

    calls = fake_jackd.calls()
    assert len(calls) == 1, f"expected one remote start (one reachable host): {calls}\n" + result.describe()
    call = calls[0]
    assert call["argv"] == [
        arg.encode()
        for arg in ["worker", "--connect", listen, "-n", "2", "--token-file", "-", "--tls-ca", "/etc/jackd/ca dir/ca.pem"]
    ]
    assert call["cwd"] == os.path.realpath(path), "--ssh-dir defaults to the engine's directory"
    assert call["stdin"] == TOKEN + "\n"
    assert not any(TOKEN.encode() in arg for arg in call["argv"])

    warnings = [line for line in result.stderr.splitlines() if "ssh to" in line and "failed" in line]
    assert len(warnings) == 1, result.describe()
    assert f"ssh to {unreachable} failed (exit code 255)" in warnings[0], warnings[0]
    assert "Connection refused" in warnings[0], warnings[0]
    assert ssh_host.address not in result.stderr, result.describe()


def test_every_ssh_failing_leaves_the_run_to_the_local_workers(project, run_jackd, ssh_host, fake_jackd, tmp_path):
    # A wrong key: sshd refuses the login, ssh exits 255 (BatchMode: no password prompt to hang on).
    wrong_key = tmp_path / "wrong_key"
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", wrong_key)
    options = [o if not o.startswith("IdentityFile=") else f"IdentityFile={wrong_key}" for o in ssh_host.ssh_options()]
    result = run_jackd(
        _waiting_project(project, tmp_path),
        "-n", "1",
        "--listen", f"{ssh_host.gateway}:{ssh_host.port + 1}",
        *_tls_args(tmp_path, ssh_host),
        "--token-file", _token_file(tmp_path),
        "--ssh", ssh_host.address,
        "--ssh-jackd", fake_jackd.path,
        *options,
    )  # fmt: skip
    assert result.rc == 0, result.describe()
    assert result.report["summary"].get("passed") == SUITE_TESTS
    assert fake_jackd.calls() == []
    warnings = [line for line in result.stderr.splitlines() if f"ssh to {ssh_host.address} failed" in line]
    assert len(warnings) == 1, result.describe()
    assert "Permission denied" in warnings[0], warnings[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ssh", "build1"], "--ssh needs --listen HOST:PORT"),
        (["--ssh", "build1", "--listen", "0.0.0.0:7000", "--insecure"], "--listen 0.0.0.0:7000 names every local"),
        (["--ssh", "build1", "--listen", "10.0.0.1:7000", "--advertise", "[::]:7000", "--insecure"], "--advertise"),
        (["--ssh", "build1", "--listen", "10.0.0.1:7000"], "--listen 10.0.0.1:7000 needs TLS and a shared token"),
    ],
)
def test_ssh_usage_errors(project, run_jackd, args, message):
    result = run_jackd(project("mixed"), *args, json_report=False)
    assert result.rc == 4, result.describe()
    assert f"jackd: error: {message}" in result.stderr, result.describe()


def test_real_workers_over_ssh_match_a_local_run(project, run_jackd, ssh_host, jackd_bin, test_python, tmp_path):
    """The whole path: the engine (no local worker) starts the real `jackd worker` on the namespace host
    over ssh; its shims connect back over TLS with the token from ssh's stdin and run the suite."""
    path = project("mixed")
    local = run_jackd(path, "-n", "2")
    tls = make_tls(tmp_path / "tls", [ssh_host.gateway])
    remote = run_jackd(
        path,
        "-n", "0",
        "--listen", f"{ssh_host.gateway}:{ssh_host.port + 1}",
        "--tls-cert", tls["server"], "--tls-key", tls["server_key"],
        "--token-file", _token_file(tmp_path),
        "--worker-start-timeout", "90",
        "--ssh", ssh_host.address,
        "--ssh-workers", "2",
        "--ssh-jackd", jackd_bin,
        "--ssh-tls-ca", tls["ca"],
        f"--ssh-worker-arg=--python={test_python}",
        *ssh_host.ssh_options(),
    )  # fmt: skip
    check_report_shape(remote)
    assert remote.rc == local.rc == 1, remote.describe()
    assert remote.outcome_map() == local.outcome_map(), remote.describe()
    assert set(remote.report["worker_ids"]) <= {"gw0", "gw1"}, remote.report["worker_ids"]
    assert "ssh to" not in remote.stderr, remote.describe()
