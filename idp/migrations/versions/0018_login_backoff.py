"""Login back-off instead of a lock-out: counters per account, device and address,
and the known devices of accounts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 00:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_backoff',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('not_before', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_login_backoff_last_at', 'login_backoff', ['last_at'])
    op.create_table(
        'known_device',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_known_device_account_id', 'known_device', ['account_id'])
    op.create_index('ix_known_device_expires_at', 'known_device', ['expires_at'])


def downgrade():
    op.drop_table('known_device')
    op.drop_table('login_backoff')
