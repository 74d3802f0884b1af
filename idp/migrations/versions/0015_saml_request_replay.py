"""AuthnRequest IDs already accepted at the SAML SSO endpoint (replay cache)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 22:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'federation_used_authn_request',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('digest'),
    )


def downgrade():
    op.drop_table('federation_used_authn_request')
