"""client grant types (client credentials), tokens without an account, signed userinfo,
dynamic client registration

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:10:00.000000

Existing clients keep the authorization code and refresh token grants. A token of the
client credentials grant belongs to the service alone: no account, no login, hence
`account_id`, `level` and `auth_time` become nullable.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_types', sa.JSON(), nullable=False,
                                      server_default='["authorization_code", "refresh_token"]'))
        batch_op.add_column(sa.Column('userinfo_signed_response_alg', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('registration_access_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_oidc_client_registration_access_token_hash',
                                          ['registration_access_token_hash'])
    op.create_table('oidc_initial_access_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('oidc_initial_access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_initial_access_token_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('oidc_token', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.alter_column('level', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('auth_time', existing_type=sa.DateTime(), nullable=True)


def downgrade():
    token = sa.table('oidc_token', sa.column('account_id', sa.String()))
    op.execute(token.delete().where(token.c.account_id.is_(None)))
    with op.batch_alter_table('oidc_token', schema=None) as batch_op:
        batch_op.alter_column('auth_time', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('level', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('account_id', existing_type=sa.String(length=36), nullable=False)
    with op.batch_alter_table('oidc_initial_access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_initial_access_token_expires_at'))
    op.drop_table('oidc_initial_access_token')
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.drop_constraint('uq_oidc_client_registration_access_token_hash', type_='unique')
        batch_op.drop_column('registration_access_token_hash')
        batch_op.drop_column('userinfo_signed_response_alg')
        batch_op.drop_column('grant_types')
