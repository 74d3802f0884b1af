"""back-channel logout notices through an outbox

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 21:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('backchannel_logout_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_backchannel_logout_notice_next_attempt_at', 'backchannel_logout_notice',
                    ['next_attempt_at'])


def downgrade():
    op.drop_table('backchannel_logout_notice')
