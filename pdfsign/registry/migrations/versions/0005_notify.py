"""notify: the upload notifications' outbox, distribution links, each bank's delivery mode

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the tables of :mod:`pdfsign.notify.tables` and ``banks.delivery_mode``."""
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_mode', sa.String(length=12),
                                      server_default='storage', nullable=False))

    op.create_table('notify_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('association_code', sa.String(length=2), nullable=False),
    sa.Column('bank_code', sa.String(length=4), nullable=False),
    sa.Column('branch_code', sa.String(length=3), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_uses', sa.Integer(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('notify_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('link_token', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['notify_links.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notify_outbox_due', ['status', 'next_attempt_at'],
                              unique=False)
        batch_op.create_index('ix_notify_outbox_file', ['file_id', 'version'], unique=False)


def downgrade() -> None:
    """Drop the notifications' tables and the banks' delivery mode."""
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notify_outbox_file')
        batch_op.drop_index('ix_notify_outbox_due')
    op.drop_table('notify_outbox')
    op.drop_table('notify_links')
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.drop_column('delivery_mode')
