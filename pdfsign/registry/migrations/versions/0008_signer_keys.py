"""signers: the signing PIN's lock and the signers' registered names

``signer_pins`` counts wrong PINs and holds the lock per PIN scope (a PKCS#12 signer, or a
PKCS#11 token); ``signers`` keeps each signer's registered name and its certificate as last
seen (:mod:`pdfsign.keys.tables`).  No PIN verifier: the PKCS#12 password is the PIN, and a
token checks its own user PIN.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``signer_pins`` and ``signers``."""
    op.create_table('signer_pins',
    sa.Column('scope', sa.String(length=400), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('signers',
    sa.Column('signer_id', sa.String(length=400), nullable=False),
    sa.Column('pin_scope', sa.String(length=400), nullable=False),
    sa.Column('common_name', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('cert_sha256', sa.String(length=64), nullable=True),
    sa.Column('cert_subject', sa.String(length=500), nullable=True),
    sa.Column('cert_not_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pin_scope'], ['signer_pins.scope'], ),
    sa.PrimaryKeyConstraint('signer_id')
    )


def downgrade() -> None:
    """Drop ``signers`` and ``signer_pins``."""
    op.drop_table('signers')
    op.drop_table('signer_pins')
