"""An S3-compatible server on 127.0.0.1 for the ``s3://`` store's tests: moto's ``moto_server``.

One server per test session (per xdist worker), as a separate process on an OS-chosen port;
each test makes its own bucket, so tests never see each other's objects.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from pdfsign.registry.blob_s3 import S3Blobs, S3Endpoint

#: moto takes any key; these say it is a test.
TEST_ENDPOINT_KEYS = {"region": "us-east-1", "access_key_id": "testing",
                      "secret_access_key": "testing"}
_buckets = itertools.count()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[S3Endpoint]:
    """Start ``moto_server`` on a loopback port; yield how to reach it; stop it."""
    port = _free_port()
    binary = Path(sys.executable).parent / "moto_server"
    server = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                if server.poll() is not None:
                    raise RuntimeError("moto_server exited at start") from None
                time.sleep(0.05)
        yield S3Endpoint(url, **TEST_ENDPOINT_KEYS)
    finally:
        server.terminate()
        server.wait(10)


def new_bucket(endpoint: S3Endpoint) -> str:
    """Create an empty bucket on the server and return its name."""
    name = f"pdfsign-{os.getpid()}-{next(_buckets)}"
    S3Blobs(name, "", endpoint).client().create_bucket(Bucket=name)
    return name
