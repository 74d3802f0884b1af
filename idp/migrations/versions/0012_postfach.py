"""Postfach: cases, messages, attachments; the pairwise identifiers clients received

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:30:00.000000

Identifiers issued before this revision are not known: a service reaches a citizen or
an organisation by the message API after their next login there.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oidc_issued_identifier',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('organisation_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'kind', 'identifier')
    )
    op.create_index('ix_oidc_issued_identifier_account_id', 'oidc_issued_identifier', ['account_id'])
    op.create_index('ix_oidc_issued_identifier_organisation_id', 'oidc_issued_identifier', ['organisation_id'])
    op.create_table('postfach_case',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('organisation_id', sa.String(length=36), nullable=True),
    sa.Column('mailbox_id', sa.String(length=36), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('client_name', sa.String(length=120), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.Column('trashed_at', sa.DateTime(), nullable=True),
    sa.Column('restored_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mailbox_id'], ['organisation_mailbox.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'owner', 'reference', name='uq_postfach_case_reference')
    )
    for column in ('owner', 'account_id', 'organisation_id', 'mailbox_id', 'last_message_at', 'trashed_at'):
        op.create_index(f'ix_postfach_case_{column}', 'postfach_case', [column])
    op.create_table('postfach_message',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reply_allowed', sa.Boolean(), nullable=False),
    sa.Column('in_reply_to', sa.String(length=36), nullable=True),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['postfach_case.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'idempotency_key', name='uq_postfach_message_idempotency')
    )
    op.create_index('ix_postfach_message_case_id', 'postfach_message', ['case_id'])
    op.create_index('ix_postfach_message_client_direction', 'postfach_message',
                    ['client_id', 'direction', 'delivered_at'])
    op.create_index('ix_postfach_message_unread', 'postfach_message', ['case_id', 'direction'],
                    sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
    op.create_table('postfach_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['postfach_message.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_postfach_attachment_message_id', 'postfach_attachment', ['message_id'])


def downgrade():
    op.drop_table('postfach_attachment')
    op.drop_table('postfach_message')
    op.drop_table('postfach_case')
    op.drop_table('oidc_issued_identifier')
