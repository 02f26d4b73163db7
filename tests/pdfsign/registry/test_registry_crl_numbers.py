"""CRL numbers from PostgreSQL's sequence: increasing, unique across nodes, past the old files."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from cryptography import x509

from pdfsign.config import Settings
from pdfsign.registry import open_database
from pdfsign.signing.sequence_serials import SequenceSerials, crl_numbers_for
from tsa import FileSerials, Pki, PkiServices

#: One node: its own home (so its own state files), the shared database; signs 40 CRLs of
#: each CA through the services every node builds, and prints each one's CRL number.  A CA
#: re-signs at most once a second, so each CRL is asked for a second after the last.
_NODE = """
import datetime as dt, sys
from pathlib import Path
from cryptography import x509
from pdfsign.config import Settings
from pdfsign.signing.sequence_serials import crl_numbers_for
from tsa import PkiServices, load_pki
settings = Settings.load(home=Path(sys.argv[2]), env={"PDFSIGN_DATABASE_URL": sys.argv[1]})
services = PkiServices.from_pki(load_pki(Path(sys.argv[3])), state_dir=settings.tsa_state_dir,
                                crl_numbers=crl_numbers_for(settings))
start = dt.datetime.now(dt.UTC)
for second in range(40):
    for name in ("root", "ca"):
        at = start + dt.timedelta(seconds=second)
        crl = x509.load_der_x509_crl(services.crl(name, at=at))
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        print(name, number, flush=True)
"""


def test_two_nodes_sign_crls_with_increasing_unique_numbers(pg_url: str, tmp_path: Path,
                                                             pki: Pki) -> None:
    open_database(pg_url).dispose()  # the sequence exists before the nodes start
    nodes = [subprocess.Popen([sys.executable, "-c", _NODE, pg_url, str(tmp_path / f"node{i}"),
                               str(pki.directory)], stdout=subprocess.PIPE, text=True)
             for i in range(2)]
    outputs = [node.communicate(timeout=120)[0].split("\n") for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0]
    numbers: dict[str, list[int]] = {"root": [], "ca": []}
    for output in outputs:
        per_node: dict[str, list[int]] = {"root": [], "ca": []}
        for line in filter(None, output):
            name, number = line.split()
            per_node[name].append(int(number))
        for name, taken in per_node.items():
            assert len(taken) == 40
            assert taken == sorted(set(taken))  # strictly increasing in each node, per CA
            numbers[name] += taken
    every = numbers["root"] + numbers["ca"]
    assert len(set(every)) == 160  # no number twice, across nodes and CAs


def test_the_sequence_starts_past_both_state_files(pg_url: str, tmp_path: Path, pki: Pki) -> None:
    for name, used in (("root", 7), ("ca", 42)):  # the old per-node files, block size 1
        state = FileSerials(tmp_path / "tsa", name=f"crl-{name}", block_size=1)
        for _ in range(used):
            state.next_serial()
    settings = Settings.load(home=tmp_path, env={"PDFSIGN_DATABASE_URL": pg_url})
    numbers = crl_numbers_for(settings)
    assert isinstance(numbers, SequenceSerials)
    services = PkiServices.from_pki(pki, state_dir=settings.tsa_state_dir,
                                    crl_numbers=numbers)
    crl = x509.load_der_x509_crl(services.crl("root", at=dt.datetime.now(dt.UTC)))
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 43
    assert SequenceSerials(numbers.engine, sequence="crl_number", floor=5).next_serial() == 44
    assert crl_numbers_for(Settings.load(home=tmp_path, env={})) is None  # SQLite: the files
