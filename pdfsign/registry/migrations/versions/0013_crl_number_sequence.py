"""crl_number: the test PKI's CRL numbers from a sequence, on PostgreSQL

Every node sharing the database numbers the CRLs its embedded CAs sign from this one
sequence (:mod:`pdfsign.signing.sequence_serials`), as ``tsa_serial`` (0010) numbers the
time-stamp tokens; SQLite keeps the state files.  The nodes move it past every number
their old state files reserved the first time they use it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the sequence ``crl_number`` (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE crl_number START WITH 1 MINVALUE 1 NO CYCLE")


def downgrade() -> None:
    """Drop ``crl_number``."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE crl_number")
