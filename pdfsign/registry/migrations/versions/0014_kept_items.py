"""kept_items: web drafts and verification runs in the database, so any web node finds them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``kept_items``."""
    op.create_table('kept_items',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('kept_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'token')
    )
    with op.batch_alter_table('kept_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_items_kept_at'), ['kept_at'], unique=False)


def downgrade() -> None:
    """Drop ``kept_items``."""
    with op.batch_alter_table('kept_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_items_kept_at'))
    op.drop_table('kept_items')
