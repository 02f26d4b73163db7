"""installation_secrets: secrets every node shares (the web's session key), in the database

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``installation_secrets``."""
    op.create_table('installation_secrets',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    """Drop ``installation_secrets``."""
    op.drop_table('installation_secrets')
