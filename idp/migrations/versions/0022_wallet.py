"""EU Digital Identity Wallet: account links by the PID's stable identifier, the
presentation requests in flight and the used response values

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'wallet_link',
        sa.Column('account_id', sa.String(length=36), nullable=False),
        sa.Column('identifier_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id'),
        sa.UniqueConstraint('identifier_digest'),
    )
    op.create_table(
        'wallet_transaction',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('browser_digest', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.Column('flow', sa.String(length=16), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('response_code_digest', sa.String(length=64), nullable=True),
        sa.Column('account_id', sa.String(length=36), nullable=True),
        sa.Column('record_id', sa.String(length=64), nullable=True),
        sa.Column('draft_id', sa.String(length=64), nullable=True),
        sa.Column('next_url', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_wallet_transaction_expires_at', 'wallet_transaction', ['expires_at'])
    op.create_table(
        'wallet_used_value',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('digest'),
    )


def downgrade():
    op.drop_table('wallet_used_value')
    op.drop_index('ix_wallet_transaction_expires_at', table_name='wallet_transaction')
    op.drop_table('wallet_transaction')
    op.drop_table('wallet_link')
