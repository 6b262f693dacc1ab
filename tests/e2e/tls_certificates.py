"""TLS material for the remote-worker tests, made with openssl at test time: a CA, a server certificate it
signed for the engine's addresses, a client certificate, and a second CA that signed nothing of ours."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def make_tls(directory: Path, ips: list[str]) -> dict:
    """A CA, and a server certificate it signed for `ips`; paths by name."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{name}.pem" for name in ("ca", "ca_key", "server", "server_key", "other_ca")}
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", *ec, "-keyout", paths["ca_key"], "-out", paths["ca"], "-days", "2", "-subj",
            "/CN=jackd e2e CA")
    openssl("req", "-x509", *ec, "-keyout", directory / "other_key.pem", "-out", paths["other_ca"], "-days", "2",
            "-subj", "/CN=another CA")
    csr = directory / "server.csr"
    openssl("req", *ec, "-keyout", paths["server_key"], "-out", csr, "-subj", "/CN=jackd engine")
    extensions = directory / "san.cnf"
    extensions.write_text("subjectAltName=" + ",".join(f"IP:{ip}" for ip in ips) + "\n")
    openssl("x509", "-req", "-in", csr, "-CA", paths["ca"], "-CAkey", paths["ca_key"], "-CAcreateserial", "-out",
            paths["server"], "-days", "2", "-extfile", extensions)
    client_csr = directory / "client.csr"
    paths["client"], paths["client_key"] = directory / "client.pem", directory / "client_key.pem"
    openssl("req", *ec, "-keyout", paths["client_key"], "-out", client_csr, "-subj", "/CN=jackd worker")
    openssl("x509", "-req", "-in", client_csr, "-CA", paths["ca"], "-CAkey", paths["ca_key"], "-CAcreateserial",
            "-out", paths["client"], "-days", "2")
    return paths
