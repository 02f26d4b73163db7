"""A real nginx on loopback, configured from the shipped template (``webui/deploy/``) and the
README's proxy secret, in front of the app served by waitress (trusting 127.0.0.1 with that
secret): :func:`running_proxy`, used by the ``proxy`` fixture of ``tests/webui/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from mtls_support import (
    ROOT,
    WHOAMI,
    MtlsPki,
    add_accounts,
    make_mtls_pki,
    with_whoami,
)

from pdfsign.config import Settings
from pdfsign.registry import Registry
from webui import create_app
from webui.serving import ServerThread

#: Debian's nginx (``make debs``); /usr/sbin may be missing from a user's PATH.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = ROOT / "webui" / "deploy"
#: The README's commands that make the secret nginx shares with the app.
_SECRET_BLOCK = re.compile(r"<!-- deploy: proxy-secret -->\n```sh\n(.*?)```", re.DOTALL)
_MAIN_CONF = """\
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/temp/body;
    proxy_temp_path {d}/temp/proxy;
    fastcgi_temp_path {d}/temp/fastcgi;
    uwsgi_temp_path {d}/temp/uwsgi;
    scgi_temp_path {d}/temp/scgi;
    include {d}/sites/pdfsign.conf;
}}
"""


@dataclass(frozen=True)
class Proxy:
    """nginx's two servers, the app it fronts (reached directly too), the secret they share,
    and the PKI."""

    mtls: str
    web: str
    app: str
    secret_file: Path
    error_log: Path
    pki: MtlsPki
    #: The app's registry (accounts, files).
    registry: Registry

    @property
    def secret(self) -> str:
        return self.secret_file.read_text().strip()

    def get(self, base: str, client: str | None = None, **headers: str) -> requests.Response:
        """GET the test route through ``base`` with the named client certificate (or none)."""
        cert = self.pki.clients[client].pair if client else None
        return requests.get(base + WHOAMI, cert=cert, verify=str(self.pki.root),
                            headers=headers, timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def render(template: str, values: dict[str, str]) -> str:
    """The template with each ``@NAME@`` replaced; every placeholder must have a value."""
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", template)
    assert not left, f"placeholders without a value: {left}"
    return template


def _write_config(folder: Path, pki: MtlsPki, *, app_port: int, mtls_port: int,
                  web_port: int) -> Path:
    values = {"SERVER_NAME": "127.0.0.1", "LISTEN": f"127.0.0.1:{web_port}",
              "MTLS_LISTEN": f"127.0.0.1:{mtls_port}", "SERVER_CERT": str(pki.server_cert),
              "SERVER_KEY": str(pki.server_key), "CLIENT_CA": str(pki.client_ca),
              "CLIENT_CA_ROOT": str(pki.root), "CLIENT_CRL": str(pki.crl),
              "APP": f"127.0.0.1:{app_port}"}
    for sub in ("sites", "snippets", "temp"):
        (folder / sub).mkdir(exist_ok=True)
    (folder / "sites" / "pdfsign.conf").write_text(
        render((DEPLOY / "nginx.conf").read_text(encoding="utf-8"), values), encoding="utf-8")
    shutil.copy(DEPLOY / "pdfsign-proxy.conf", folder / "snippets" / "pdfsign-proxy.conf")
    conf = folder / "nginx.conf"
    conf.write_text(_MAIN_CONF.format(d=folder), encoding="utf-8")
    return conf


def _make_secret(nginx: Path, etc_pdfsign: Path) -> Path:
    """Run the README's commands for the proxy secret, with ``/etc/nginx/`` and
    ``/etc/pdfsign/`` moved to ``nginx`` and ``etc_pdfsign``; return the app's secret file."""
    blocks = _SECRET_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 1, "README.md needs one <!-- deploy: proxy-secret --> block"
    assert "/etc/nginx/snippets/" in blocks[0]
    assert "/etc/pdfsign/" in blocks[0]
    (nginx / "snippets").mkdir(exist_ok=True)  # Debian's nginx package has it
    script = blocks[0].replace("/etc/nginx/", f"{nginx}/").replace("/etc/pdfsign/",
                                                                    f"{etc_pdfsign}/")
    subprocess.run(["bash", "-e", "-c", script], check=True, timeout=30,
                   env={**os.environ, "LC_ALL": "C"})
    return etc_pdfsign / "proxy-secret"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _start_nginx(folder: Path, conf: Path, ports: tuple[int, ...]) -> subprocess.Popen[bytes]:
    """nginx in the foreground (``daemon off``) as our child; waits until both ports listen."""
    with (folder / "nginx.out").open("wb") as log:
        process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf),
                                    "-e", str(folder / "error.log"), "-g", "daemon off;"],
                                   stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        if process.poll() is not None:
            pytest.fail(f"nginx exited: {(folder / 'nginx.out').read_text()}"
                        f"{(folder / 'error.log').read_text()}")
        if all(_listening(port) for port in ports):
            return process
        time.sleep(0.1)
    process.terminate()
    pytest.fail("nginx did not listen within 10 s")


@contextmanager
def running_proxy(nginx_folder: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Proxy]:
    """The PKI, the secret, the app (trusting 127.0.0.1 with that secret) and nginx before it."""
    at = dt.datetime.now(dt.UTC)
    pki = make_mtls_pki(tmp_path_factory.mktemp("mtls-pki"), at=at)
    secret_file = _make_secret(nginx_folder, tmp_path_factory.mktemp("etc-pdfsign"))
    home = tmp_path_factory.mktemp("home")
    (home / "config.toml").write_text(f'trust = ["{pki.root}"]\n', encoding="utf-8")
    behind = with_whoami(create_app(Settings.load(
        home=home, env={}, trusted_proxies=("127.0.0.1",), client_ca=str(pki.client_ca),
        proxy_secret_file=str(secret_file))))
    registry = behind.extensions["pdfsign"].registry
    add_accounts(registry, at=at)
    with ServerThread(behind) as app:
        mtls_port, web_port = _free_port(), _free_port()
        conf = _write_config(nginx_folder, pki, app_port=int(app.url.rsplit(":", 1)[1]),
                             mtls_port=mtls_port, web_port=web_port)
        process = _start_nginx(nginx_folder, conf, (mtls_port, web_port))
        try:
            yield Proxy(f"https://127.0.0.1:{mtls_port}", f"https://127.0.0.1:{web_port}",
                        app.url, secret_file, nginx_folder / "error.log", pki, registry)
        finally:
            process.terminate()
            process.wait(timeout=10)


def logged_since(proxy: Proxy, mark: int) -> str:
    """What nginx's error log says after byte ``mark``."""
    return proxy.error_log.read_bytes()[mark:].decode("utf-8", errors="replace")
