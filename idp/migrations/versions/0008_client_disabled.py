"""client authentication methods, private_key_jwt keys, disabled clients, pushed requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:20:00.000000

Existing clients keep authenticating as before: public ones with `none`, the others
with their secret.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_endpoint_auth_method', sa.String(length=32), nullable=False,
                                      server_default='client_secret_basic'))
        batch_op.add_column(sa.Column('jwks', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('jwks_uri', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('require_pushed_authorization_requests', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    client = sa.table('oidc_client', sa.column('public', sa.Boolean()),
                      sa.column('token_endpoint_auth_method', sa.String()))
    op.execute(client.update().where(client.c.public == sa.true()).values(token_endpoint_auth_method='none'))

    op.create_table('oidc_client_assertion_jti',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'jti')
    )
    with op.batch_alter_table('oidc_client_assertion_jti', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_client_assertion_jti_expires_at'), ['expires_at'], unique=False)

    op.create_table('oidc_pushed_request',
    sa.Column('uri_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('uri_hash')
    )
    with op.batch_alter_table('oidc_pushed_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_pushed_request_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('oidc_pushed_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_pushed_request_expires_at'))
    op.drop_table('oidc_pushed_request')
    with op.batch_alter_table('oidc_client_assertion_jti', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_client_assertion_jti_expires_at'))
    op.drop_table('oidc_client_assertion_jti')
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.drop_column('require_pushed_authorization_requests')
        batch_op.drop_column('disabled')
        batch_op.drop_column('jwks_uri')
        batch_op.drop_column('jwks')
        batch_op.drop_column('token_endpoint_auth_method')
