"""The language of an account's mails

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 04:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('account') as batch:
        batch.drop_column('locale')
