"""DPoP (RFC 9449): clients that must use it, key-bound tokens, used proof IDs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dpop_bound_access_tokens', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('oidc_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dpop_jkt', sa.String(length=64), nullable=True))

    op.create_table('oidc_dpop_proof_jti',
    sa.Column('jkt', sa.String(length=64), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('jkt', 'jti')
    )
    with op.batch_alter_table('oidc_dpop_proof_jti', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_dpop_proof_jti_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('oidc_dpop_proof_jti', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_dpop_proof_jti_expires_at'))
    op.drop_table('oidc_dpop_proof_jti')
    with op.batch_alter_table('oidc_token', schema=None) as batch_op:
        batch_op.drop_column('dpop_jkt')
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.drop_column('dpop_bound_access_tokens')
