"""ELSTER for organisations: linked certificates, the organisations they bind, and
the connector's logins in flight and used assertion IDs

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 00:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'elster_organisation',
        sa.Column('organisation_id', sa.String(length=36), nullable=False),
        sa.Column('organisation_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organisation_id'),
        sa.UniqueConstraint('organisation_digest'),
    )
    op.create_table(
        'elster_link',
        sa.Column('account_id', sa.String(length=36), nullable=False),
        sa.Column('organisation_id', sa.String(length=36), nullable=False),
        sa.Column('certificate_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id'),
        sa.UniqueConstraint('certificate_digest'),
    )
    op.create_index('ix_elster_link_organisation_id', 'elster_link', ['organisation_id'])
    op.create_table(
        'elster_login',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('browser_digest', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('account_id', sa.String(length=36), nullable=True),
        sa.Column('record_id', sa.String(length=64), nullable=True),
        sa.Column('next_url', sa.Text(), nullable=True),
        sa.Column('request_id', sa.String(length=128), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'elster_used_assertion',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('digest'),
    )


def downgrade():
    op.drop_table('elster_used_assertion')
    op.drop_table('elster_login')
    op.drop_index('ix_elster_link_organisation_id', table_name='elster_link')
    op.drop_table('elster_link')
    op.drop_table('elster_organisation')
