"""work queue: procrastinate's schema (PostgreSQL) and batch files kept in the database

On PostgreSQL batches, renewals and the outbox run as procrastinate jobs
(:mod:`pdfsign.workqueue`).  Its tables, types and functions are procrastinate's own
``schema.sql`` for the pinned version, created here in a PostgreSQL schema of their own,
``procrastinate``, so they never mix with the registry's tables (the workers' connections
put it on their ``search_path``).  A later procrastinate release brings SQL migrations
(``procrastinate/sql/migrations``): a new revision here applies them the same way, so
``pdfsign`` keeps owning every schema change.  SQLite gets only the new columns: its batches
keep running as local processes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The PostgreSQL schema holding procrastinate's objects (:data:`pdfsign.workqueue.SCHEMA`).
SCHEMA = "procrastinate"


def upgrade() -> None:
    """Add ``batch_jobs.signer``, ``batch_job_rows.worker``, ``batch_job_files``; on
    PostgreSQL, procrastinate."""
    with op.batch_alter_table('batch_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signer', sa.String(length=300), nullable=True))
    with op.batch_alter_table('batch_job_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=100), nullable=True))
    op.create_table('batch_job_files',
    sa.Column('job_id', sa.String(length=16), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['batch_jobs.job_id'], ),
    sa.PrimaryKeyConstraint('job_id')
    )
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Through the driver itself: the script is many statements, with % and : in it
        # that neither SQLAlchemy's nor psycopg's parameter syntax must see.
        driver = op.get_bind().connection.driver_connection
        assert driver is not None
        driver.execute(f"CREATE SCHEMA {SCHEMA}")
        driver.execute(f"SET LOCAL search_path TO {SCHEMA}")
        driver.execute(SchemaManager.get_schema())
        driver.execute("RESET search_path")


def downgrade() -> None:
    """Drop what :func:`upgrade` made."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    op.drop_table('batch_job_files')
    with op.batch_alter_table('batch_job_rows', schema=None) as batch_op:
        batch_op.drop_column('worker')
    with op.batch_alter_table('batch_jobs', schema=None) as batch_op:
        batch_op.drop_column('signer')
