"""authorization codes bound to a DPoP key (RFC 9449 §10, dpop_jkt)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 21:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oidc_authorization_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dpop_jkt', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('oidc_authorization_code', schema=None) as batch_op:
        batch_op.drop_column('dpop_jkt')
