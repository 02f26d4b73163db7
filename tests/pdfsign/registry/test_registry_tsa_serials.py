"""TSA serials from PostgreSQL's sequence: unique across processes (nodes), past the old file's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pdfsign.config import Settings
from pdfsign.registry import open_database
from pdfsign.signing.sequence_serials import SequenceSerials, tsa_serials_for
from tsa import FileSerials

_NODE = """
import sys
from pdfsign.registry import open_database
from pdfsign.signing.sequence_serials import SequenceSerials
serials = SequenceSerials(open_database(sys.argv[1], migrate=False).engine)
print("\\n".join(str(serials.next_serial()) for _ in range(300)))
"""


def test_two_nodes_never_share_a_serial(pg_url: str) -> None:
    open_database(pg_url).dispose()  # the sequence exists before the nodes start
    nodes = [subprocess.Popen([sys.executable, "-c", _NODE, pg_url], stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    taken = [[int(line) for line in node.communicate(timeout=120)[0].split()] for node in nodes]
    assert [len(serials) for serials in taken] == [300, 300]
    assert all(serials == sorted(serials) for serials in taken)  # increasing in each node
    assert len(set(taken[0]) | set(taken[1])) == 600


def test_the_sequence_starts_past_the_state_files_serials(pg_url: str, tmp_path: Path) -> None:
    state = FileSerials(tmp_path / "tsa", block_size=1000)
    issued = [state.next_serial() for _ in range(3)]  # reserves 1..1000
    assert state.high_water() == 1001
    settings = Settings.load(home=tmp_path, env={"PDFSIGN_DATABASE_URL": pg_url})
    serials = tsa_serials_for(settings)
    assert isinstance(serials, SequenceSerials)
    first = serials.next_serial()
    assert first == 1001
    assert first > max(issued)
    again = SequenceSerials(serials.engine, floor=10)  # a lower floor never moves it back
    assert again.next_serial() == 1002
    assert tsa_serials_for(Settings.load(home=tmp_path, env={})) is None  # SQLite: the file
