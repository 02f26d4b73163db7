"""tsa_serial: the TSA's serial numbers from a sequence, on PostgreSQL

Every node sharing the database takes its time-stamp tokens' serials from this one
sequence (:mod:`pdfsign.signing.sequence_serials`); SQLite keeps the state file.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the sequence ``tsa_serial`` (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE tsa_serial START WITH 1 MINVALUE 1 NO CYCLE")


def downgrade() -> None:
    """Drop ``tsa_serial``."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE tsa_serial")
