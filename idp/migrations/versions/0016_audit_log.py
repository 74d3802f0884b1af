"""The audit log of security events

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 00:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('succeeded', sa.Boolean(), nullable=False),
        sa.Column('account_id', sa.String(length=36), nullable=True),
        sa.Column('organisation_id', sa.String(length=36), nullable=True),
        sa.Column('client_id', sa.String(length=64), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('request_id', sa.String(length=128), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('address', sa.String(length=45), nullable=True),
        sa.Column('user_agent', sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('at', 'event', 'account_id', 'organisation_id', 'client_id', 'email'):
        op.create_index(f'ix_audit_event_{column}', 'audit_event', [column])


def downgrade():
    op.drop_table('audit_event')
