"""Operator accounts for the console "Betrieb"; audit record numbers as the ids they are

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
    # Accounts and organisations are named by UUIDs, and "operator:<uuid>" is 45
    # characters: 0016's integer and 40-character columns refused them on PostgreSQL.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=sa.Integer(), type_=sa.String(length=36),
                              postgresql_using='account_id::varchar')
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), type_=sa.String(length=36),
                              postgresql_using='organisation_id::varchar')
        batch_op.alter_column('actor', existing_type=sa.String(length=40), type_=sa.String(length=64))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('actor', existing_type=sa.String(length=64), type_=sa.String(length=40))
        batch_op.alter_column('organisation_id', existing_type=sa.String(length=36), type_=sa.Integer(),
                              postgresql_using='organisation_id::integer')
        batch_op.alter_column('account_id', existing_type=sa.String(length=36), type_=sa.Integer(),
                              postgresql_using='account_id::integer')
    op.drop_table('operator')
