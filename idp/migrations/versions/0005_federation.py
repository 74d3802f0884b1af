"""federation partners, links, logins in flight, used assertion IDs; eID logins that
return to a local page

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('federation_partner',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('protocol', sa.String(length=8), nullable=False),
    sa.Column('entity_id', sa.String(length=512), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('metadata_xml', sa.Text(), nullable=True),
    sa.Column('discovery', sa.JSON(), nullable=True),
    sa.Column('client_id', sa.String(length=255), nullable=True),
    sa.Column('client_secret', sa.String(length=255), nullable=True),
    sa.Column('max_level', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entity_id')
    )
    op.create_table('federation_used_assertion',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    op.create_table('federated_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('partner_id', sa.String(length=36), nullable=False),
    sa.Column('subject_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['federation_partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partner_id', 'subject_digest')
    )
    op.create_index(op.f('ix_federated_link_account_id'), 'federated_link', ['account_id'], unique=False)
    op.create_table('federation_assertion_request',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('browser_digest', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=256), nullable=False),
    sa.Column('acs_url', sa.Text(), nullable=False),
    sa.Column('relay_state', sa.Text(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['federation_partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('federation_login',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('browser_digest', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('pending', sa.JSON(), nullable=True),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('next_url', sa.Text(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['federation_partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.add_column('eid_transaction', sa.Column('next_url', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('eid_transaction', 'next_url')
    op.drop_table('federation_login')
    op.drop_table('federation_assertion_request')
    op.drop_index(op.f('ix_federated_link_account_id'), table_name='federated_link')
    op.drop_table('federated_link')
    op.drop_table('federation_used_assertion')
    op.drop_table('federation_partner')
