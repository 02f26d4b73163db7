"""``pdfsign db upgrade``, and nodes started at once on a new PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from pg_support import new_pg_database

from pdfsign.cli import root
from pdfsign.registry import open_database
from pdfsign.registry.database import schema_revision

_VERSIONS = Path(__file__).resolve().parents[3] / "pdfsign/registry/migrations/versions"
#: This release's newest revision (the files are numbered).
HEAD = max(path.name[:4] for path in _VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
_NODE = "import sys; from pdfsign.registry import open_database; open_database(sys.argv[1])"


def test_nodes_starting_together_on_a_new_database_all_start(pg_server: str) -> None:
    """Each one upgrades as it opens the registry; one at a time, none fails on the
    others' half-made tables (without the lock, about a third of them did)."""
    for database in (new_pg_database(pg_server), new_pg_database(pg_server)):
        nodes = [subprocess.Popen([sys.executable, "-c", _NODE, database],
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
        errors = [node.communicate(timeout=120)[1] for node in nodes]
        assert [node.returncode for node in nodes] == [0] * 4, errors
        assert schema_revision(open_database(database, migrate=False).engine) == HEAD


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    first = CliRunner().invoke(root, ["db", "upgrade", "--home", str(tmp_path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"before": None, "after": HEAD}
    again = CliRunner().invoke(root, ["db", "upgrade", "--home", str(tmp_path)])
    assert again.stdout == f"registry schema already at {HEAD}\n"
