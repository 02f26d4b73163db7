"""batch jobs: uploaded batch files, their detached runs and each row's result

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the tables of :mod:`pdfsign.batch_tables`."""
    op.create_table('batch_jobs',
    sa.Column('job_id', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=5), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('started_by', sa.String(length=100), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('job_id')
    )
    with op.batch_alter_table('batch_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_batch_jobs_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_batch_jobs_sha256', ['sha256'], unique=False)

    op.create_table('batch_job_rows',
    sa.Column('job_id', sa.String(length=16), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('file_id', sa.String(length=80), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['batch_jobs.job_id'], ),
    sa.PrimaryKeyConstraint('job_id', 'line')
    )


def downgrade() -> None:
    """Drop the batch jobs' tables."""
    op.drop_table('batch_job_rows')
    with op.batch_alter_table('batch_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_jobs_sha256')
        batch_op.drop_index('ix_batch_jobs_created_at')
    op.drop_table('batch_jobs')
