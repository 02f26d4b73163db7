"""renewals: a version's bytes before and after each new archive time-stamp

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the append-only renewals table."""
    op.create_table('renewals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('file_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('old_sha256', sa.String(length=64), nullable=False),
    sa.Column('old_size', sa.Integer(), nullable=False),
    sa.Column('new_sha256', sa.String(length=64), nullable=False),
    sa.Column('new_size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id', 'version'], ['versions.file_id', 'versions.number'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('renewals', schema=None) as batch_op:
        batch_op.create_index('ix_renewals_version', ['file_id', 'version'], unique=False)


def downgrade() -> None:
    """Drop the renewals table."""
    with op.batch_alter_table('renewals', schema=None) as batch_op:
        batch_op.drop_index('ix_renewals_version')
    op.drop_table('renewals')
