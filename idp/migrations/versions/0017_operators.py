"""Operator accounts for the console "Betrieb"

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 01:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'operator',
        sa.Column('account_id', sa.String(length=36), nullable=False),
        sa.Column('granted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id'),
    )


def downgrade():
    op.drop_table('operator')
