"""Remote workers: `jackd run --listen` with `jackd worker --connect`, over TLS with a shared token.

A real CA and server certificate are made with openssl for every test (SAN = the engine's address).
The loopback tests run engine and workers in the root network namespace; the namespace tests (netns.py)
make each worker host a network namespace behind a veth pair, and cut one off mid-run.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from jackd_e2e import RUN_TIMEOUT, clean_env, kill_pids, processes_with_marker, wait_until
from netns import Hosts
from tls_certificates import make_tls

TOKEN = "e2e-shared-token-1234567890"
WORKER_TIMEOUT = 60  # seconds a `jackd worker` may take to exit after its engine's run ended
# A host cut off is noticed within keepalive time + timeout (10 s + 10 s, engine/tls_credentials.h);
# the rest is slack for a loaded machine.
CUT_NOTICED_WITHIN = 60


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


class WorkerProcess:
    """A started `jackd worker`, output to files, with the run's marker so leftovers are found."""

    def __init__(self, argv: list[str], cwd: Path, env: dict, log_dir: Path, stdin: str | None = None):
        self.argv = argv
        self.marker = env["E2E_RUN_MARKER"]
        log_dir.mkdir(parents=True, exist_ok=True)
        self.output_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.txt"
        with open(self.output_path, "wb") as out:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                         start_new_session=True)
        if stdin is not None:
            self.proc.stdin.write(stdin.encode())
            self.proc.stdin.close()

    @property
    def output(self) -> str:
        return self.output_path.read_bytes().decode("utf-8", errors="replace")

    def wait(self, timeout: float = WORKER_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"jackd worker did not exit within {timeout}s\n{' '.join(self.argv)}\n{self.output[-4000:]}",
                        pytrace=False)

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)
        kill_pids(processes_with_marker(self.marker))


@pytest.fixture
def start_worker(jackd_bin, test_python, tmp_path):
    """start_worker(project, address, *args, env=None, prefix=[], stdin=None) -> WorkerProcess."""
    started = []

    def start(project: Path, address: str, *args, env=None, prefix=(), stdin=None) -> WorkerProcess:
        full_env = clean_env(env)
        full_env["E2E_RUN_MARKER"] = uuid.uuid4().hex
        argv = [*prefix, jackd_bin, "worker", "--connect", address, "--python", test_python, *map(str, args)]
        worker = WorkerProcess(argv, project, full_env, tmp_path / "workers", stdin)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture
def hosts():
    made = Hosts()
    yield made
    made.remove()


@pytest.fixture
def token_file(tmp_path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def engine_args(tls: dict, token_file: Path, address: str, start_timeout: str = "90") -> list:
    return ["-n", "0", "--listen", address, "--tls-cert", tls["server"], "--tls-key", tls["server_key"],
            "--token-file", token_file, "--worker-start-timeout", start_timeout]


def assert_same_outcomes(remote, local):
    ours, theirs = remote.outcome_map(), local.outcome_map()
    mismatches = {node: (ours.get(node), theirs.get(node)) for node in set(ours) | set(theirs)
                  if ours.get(node) != theirs.get(node)}
    assert not mismatches, f"remote vs local outcomes differ: {mismatches}\n" + remote.describe()


# ---------------------------------------------------------------------------------------------------
# Loopback


def test_loopback_remote_workers_match_a_local_run(project, run_jackd, start_jackd, start_worker, tmp_path,
                                                   token_file):
    local = run_jackd(project("mixed"), "-n", "2")
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    path = project("mixed")
    engine = start_jackd(path, *engine_args(tls, token_file, address))
    worker = start_worker(path, address, "-n", "2", "--token-file", "-", "--tls-ca", tls["ca"], stdin=TOKEN + "\n")
    remote = engine.wait(RUN_TIMEOUT)
    assert worker.wait() == 0, worker.output
    assert_same_outcomes(remote, local)
    assert remote.rc == local.rc == 1, remote.describe()
    assert {t["worker"] for t in remote.tests if t.get("worker")} <= {"gw0", "gw1"}, remote.describe()


# ---------------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("security", ["nothing", "token only", "tls only"])
def test_listen_without_tls_and_token_refuses_to_start(project, run_jackd, tmp_path, token_file, security):
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    args = ["-n", "0", "--listen", f"127.0.0.1:{free_port('127.0.0.1')}"]
    if security == "token only":
        args += ["--token-file", token_file]
    if security == "tls only":
        args += ["--tls-cert", tls["server"], "--tls-key", tls["server_key"]]
    result = run_jackd(project("mixed"), *args, json_report=False, timeout=30)
    assert result.rc == 4, result.describe()
    errors = [line for line in result.stderr.splitlines() if line.startswith("jackd: error:")]
    assert len(errors) == 1 and "--insecure" in errors[0] and "TLS" in errors[0], result.stderr
    assert "passed" not in result.stdout


def test_insecure_listener_warns_and_runs(project, run_jackd, start_jackd, start_worker, tmp_path):
    local = run_jackd(project("mixed"), "-n", "2")
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    path = project("mixed")
    engine = start_jackd(path, "-n", "0", "--listen", address, "--insecure")
    worker = start_worker(path, address, "-n", "1", "--insecure")
    remote = engine.wait(RUN_TIMEOUT)
    assert worker.wait() == 0, worker.output
    assert_same_outcomes(remote, local)
    warnings = [line for line in remote.stderr.splitlines() if "--insecure" in line]
    assert len(warnings) == 1 and "without a token" in warnings[0], remote.stderr


def test_rogue_clients_get_nothing_and_the_run_completes(project, run_jackd, start_jackd, start_worker, tmp_path,
                                                         token_file):
    local = run_jackd(project("mixed"), "-n", "2")
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    port = free_port("127.0.0.1")
    address = f"127.0.0.1:{port}"
    path = project("mixed")
    engine = start_jackd(path, *engine_args(tls, token_file, address))
    # Wrong token: refused at once with a clear reason.
    wrong = start_worker(path, address, "-n", "1", "--tls-ca", tls["ca"], env={"JACKD_AUTH_TOKEN": "not-the-token"})
    assert wrong.wait() != 0
    assert "refused this worker host" in wrong.output and "wrong token" in wrong.output, wrong.output
    # A certificate from another CA: the TLS handshake fails; the worker gives up after --join-timeout.
    other = start_worker(path, address, "-n", "1", "--tls-ca", tls["other_ca"], "--join-timeout", "3",
                         env={"JACKD_AUTH_TOKEN": TOKEN})
    assert other.wait() != 0
    assert "no engine answered" in other.output, other.output
    # Garbage bytes on the port.
    for payload in (os.urandom(4096), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01" + os.urandom(500)):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as rogue:
            rogue.sendall(payload)
            rogue.settimeout(5)
            try:
                rogue.recv(4096)
            except (socket.timeout, ConnectionResetError):
                pass
    good = start_worker(path, address, "-n", "2", "--tls-ca", tls["ca"], env={"JACKD_AUTH_TOKEN": TOKEN})
    remote = engine.wait(RUN_TIMEOUT)
    assert good.wait() == 0, good.output
    assert_same_outcomes(remote, local)
    assert remote.rc == 1, remote.describe()
    assert "wrong token" in remote.stderr, remote.stderr  # the refusal is logged


def test_client_certificates_when_the_engine_asks_for_them(project, run_jackd, start_jackd, start_worker,
                                                            tmp_path, token_file):
    local = run_jackd(project("mixed"), "-n", "2")
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    path = project("mixed")
    engine = start_jackd(path, *engine_args(tls, token_file, address), "--tls-client-ca", tls["ca"])
    anonymous = start_worker(path, address, "-n", "1", "--tls-ca", tls["ca"], "--token-file", token_file,
                             "--join-timeout", "3")
    assert anonymous.wait() != 0 and "no engine answered" in anonymous.output, anonymous.output
    good = start_worker(path, address, "-n", "2", "--tls-ca", tls["ca"], "--token-file", token_file, "--tls-cert",
                        tls["client"], "--tls-key", tls["client_key"])
    remote = engine.wait(RUN_TIMEOUT)
    assert good.wait() == 0, good.output
    assert_same_outcomes(remote, local)


def test_a_host_with_another_collection_is_refused_without_disturbing_the_run(project, run_jackd, start_jackd,
                                                                                start_worker, tmp_path,
                                                                                token_file):
    local = run_jackd(project("mixed"), "-n", "2")
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    path = project("mixed")
    other = project("mixed")
    (other / "test_extra.py").write_text("def test_only_on_this_host():\n    pass\n")
    engine = start_jackd(path, *engine_args(tls, token_file, address))
    stale = start_worker(other, address, "-n", "1", "--tls-ca", tls["ca"], "--token-file", token_file)
    assert stale.wait() != 0
    assert "the engine refused this worker" in stale.output, stale.output
    assert "collected a different set of tests" in stale.output, stale.output
    good = start_worker(path, address, "-n", "2", "--tls-ca", tls["ca"], "--token-file", token_file)
    remote = engine.wait(RUN_TIMEOUT)
    assert good.wait() == 0, good.output
    assert_same_outcomes(remote, local)
    assert remote.rc == 1, remote.describe()
    warnings = [line for line in remote.stderr.splitlines() if "refused remote worker" in line]
    assert len(warnings) == 1 and "different set of tests" in warnings[0], remote.stderr


def git_commit(path: Path, note: str) -> None:
    (path / "NOTE.txt").write_text(note)
    for argv in (["init", "-q"], ["add", "-A"], ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid",
                                                  "commit", "-q", "-m", note]):
        subprocess.run(["git", *argv], cwd=path, check=True, capture_output=True, timeout=60)


def test_a_host_at_another_revision_is_refused(project, run_jackd, start_jackd, start_worker, tmp_path,
                                               token_file):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    local = run_jackd(project("mixed"), "-n", "2")
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    path, other = project("mixed"), project("mixed")
    git_commit(path, "the engine's revision")
    git_commit(other, "another revision")  # the same tests: only the revision tells them apart
    engine = start_jackd(path, *engine_args(tls, token_file, address))
    stale = start_worker(other, address, "-n", "1", "--tls-ca", tls["ca"], "--token-file", token_file)
    assert stale.wait() == 4
    assert "refused this worker host" in stale.output and "revision" in stale.output, stale.output
    good = start_worker(path, address, "-n", "2", "--tls-ca", tls["ca"], "--token-file", token_file)
    remote = engine.wait(RUN_TIMEOUT)
    assert good.wait() == 0, good.output
    assert_same_outcomes(remote, local)


def test_no_worker_at_all_ends_the_run_after_the_start_timeout(project, start_jackd, tmp_path, token_file):
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    engine = start_jackd(project("mixed"), *engine_args(tls, token_file, address, start_timeout="3"))
    result = engine.wait(RUN_TIMEOUT)
    assert result.rc == 3, result.describe()
    assert "no worker connected within 3s" in result.stderr, result.stderr
    assert set(result.outcome_map().values()) == {"not_run"}


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_leave_and_join_mid_run(project, start_jackd, start_worker, tmp_path, token_file, how):
    tls = make_tls(tmp_path / "tls", ["127.0.0.1"])
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    path = project("remote_gate")
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {"E2E_GATE_DIR": gate}
    engine = start_jackd(path, *engine_args(tls, token_file, address), env=env)
    worker_args = ("-n", "2", "--tls-ca", tls["ca"], "--token-file", token_file)
    leaving = start_worker(path, address, *worker_args, env={**env, "E2E_HOST": "leaving"})
    started = gate / "started.log"
    assert wait_until(lambda: started.exists() and len(started.read_text().splitlines()) >= 2, 90), \
        engine.output_so_far()[-3000:]
    os.kill(leaving.proc.pid, how)
    assert leaving.wait(30) != 0
    # Its shims went with it: SIGTERM forwarded, SIGKILL through PR_SET_PDEATHSIG.
    assert wait_until(lambda: not processes_with_marker(leaving.marker), 15)
    (gate / "open").write_text("")
    joining = start_worker(path, address, *worker_args, env={**env, "E2E_HOST": "joining"})
    result = engine.wait(RUN_TIMEOUT)
    assert joining.wait() == 0, joining.output
    outcomes = result.outcome_map()  # fails on a test reported twice
    assert len(outcomes) == 24 and set(outcomes.values()) == {"passed"}, result.describe()
    assert result.rc == 0, result.describe()
    assert {t["worker"] for t in result.tests} <= {"gw2", "gw3"}, result.describe()


# ---------------------------------------------------------------------------------------------------
# Network namespaces


def test_namespace_hosts_match_a_local_run(project, run_jackd, start_jackd, start_worker, tmp_path, token_file,
                                           hosts):
    first, second = hosts.add(), hosts.add()
    local = run_jackd(project("mixed"), "-n", "2")
    tls = make_tls(tmp_path / "tls", [first.root_address])
    address = f"{first.root_address}:{free_port(first.root_address)}"
    path = project("mixed")
    engine = start_jackd(path, *engine_args(tls, token_file, address))
    workers = [start_worker(path, address, "-n", "1", "--tls-ca", tls["ca"], "--token-file", token_file,
                            prefix=host.command([])) for host in (first, second)]
    remote = engine.wait(RUN_TIMEOUT)
    for worker in workers:
        assert worker.wait() == 0, worker.output
    assert_same_outcomes(remote, local)
    assert {t["worker"] for t in remote.tests if t.get("worker")} == {"gw0", "gw1"}, remote.describe()


def test_a_host_cut_off_mid_run_loses_nothing(project, start_jackd, start_worker, tmp_path, token_file, hosts):
    first, second = hosts.add(), hosts.add()
    tls = make_tls(tmp_path / "tls", [first.root_address])
    address = f"{first.root_address}:{free_port(first.root_address)}"
    path = project("remote_gate")
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {"E2E_GATE_DIR": gate}
    engine = start_jackd(path, *engine_args(tls, token_file, address), env=env)
    workers = {host.namespace: start_worker(path, address, "-n", "1", "--tls-ca", tls["ca"], "--token-file",
                                            token_file, prefix=host.command([]),
                                            env={**env, "E2E_HOST": name})
               for host, name in ((first, "kept"), (second, "cut"))}
    started = gate / "started.log"

    def both_running():
        lines = started.read_text().splitlines() if started.exists() else []
        return {line.split()[0] for line in lines} == {"kept", "cut"}

    assert wait_until(both_running, 90), engine.output_so_far()[-3000:]
    second.cut()
    cut_at = time.monotonic()
    (gate / "open").write_text("")
    result = engine.wait(RUN_TIMEOUT)
    assert time.monotonic() - cut_at < CUT_NOTICED_WITHIN + 30, result.describe()
    outcomes = result.outcome_map()  # fails on a test reported twice
    assert len(outcomes) == 24 and set(outcomes.values()) == {"passed"}, result.describe()
    assert result.rc == 0, result.describe()
    assert "was lost" in result.stdout + result.stderr, result.describe()
    assert workers[first.namespace].wait() == 0, workers[first.namespace].output
    # The cut host's shim loses the engine (keepalive) and its `jackd worker` says so.
    assert workers[second.namespace].wait(CUT_NOTICED_WITHIN) != 0
