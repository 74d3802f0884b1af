"""organisations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:01:27.430959

Servicekonto Business (SPEC §6). Existing clients stay for citizens only.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('legal_form', sa.String(length=80), nullable=True),
    sa.Column('register_number', sa.String(length=40), nullable=True),
    sa.Column('register_court', sa.String(length=80), nullable=True),
    sa.Column('street', sa.String(length=80), nullable=False),
    sa.Column('house_number', sa.String(length=11), nullable=False),
    sa.Column('postal_code', sa.String(length=5), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('po_box', sa.String(length=20), nullable=True),
    sa.Column('admins_use_services', sa.Boolean(), nullable=False),
    sa.Column('locked_fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('leitstelle_member',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'account_id')
    )
    op.create_table('organisation_delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('principal_id', sa.String(length=36), nullable=False),
    sa.Column('deputy_id', sa.String(length=36), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['deputy_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['principal_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation_delegation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_delegation_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_delegation_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_delegation_principal_id'), ['principal_id'], unique=False)

    op.create_table('organisation_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_group_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_mailbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation_mailbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_mailbox_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_member',
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id')
    )
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_member_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_service_grant',
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'client_id')
    )
    op.create_table('organisation_subscription',
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'client_id')
    )
    op.create_table('organisation_delegation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['delegation_id'], ['organisation_delegation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation_delegation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_delegation_event_delegation_id'), ['delegation_id'], unique=False)

    op.create_table('organisation_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['organisation_group.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'account_id')
    )
    op.create_table('organisation_group_service',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.client_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['organisation_group.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'client_id')
    )
    op.create_table('organisation_mailbox_group',
    sa.Column('mailbox_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['organisation_group.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mailbox_id'], ['organisation_mailbox.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mailbox_id', 'group_id')
    )
    op.create_table('organisation_mailbox_member',
    sa.Column('mailbox_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mailbox_id'], ['organisation_mailbox.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mailbox_id', 'account_id')
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_login_session_delegation', 'organisation_delegation', ['delegation_id'], ['id'], ondelete='SET NULL')

    for table in ('oidc_authorization_code', 'oidc_token'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('actor_id', sa.String(length=36), nullable=True))
            batch_op.create_foreign_key(f'fk_{table}_actor', 'account', ['actor_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=16), nullable=False, server_default='citizens'))
        batch_op.add_column(sa.Column('roles', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('approval', sa.String(length=16), nullable=False, server_default='auto'))



def downgrade():
    for table in ('oidc_authorization_code', 'oidc_token'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_actor', type_='foreignkey')
            batch_op.drop_column('actor_id')
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.drop_column('approval')
        batch_op.drop_column('roles')
        batch_op.drop_column('audience')

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_constraint('fk_login_session_delegation', type_='foreignkey')
        batch_op.drop_column('delegation_id')

    op.drop_table('organisation_mailbox_member')
    op.drop_table('organisation_mailbox_group')
    op.drop_table('organisation_group_service')
    op.drop_table('organisation_group_member')
    with op.batch_alter_table('organisation_delegation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_delegation_event_delegation_id'))

    op.drop_table('organisation_delegation_event')
    op.drop_table('organisation_subscription')
    op.drop_table('organisation_service_grant')
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_member_organisation_id'))

    op.drop_table('organisation_member')
    with op.batch_alter_table('organisation_mailbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_mailbox_organisation_id'))

    op.drop_table('organisation_mailbox')
    with op.batch_alter_table('organisation_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_group_organisation_id'))

    op.drop_table('organisation_group')
    with op.batch_alter_table('organisation_delegation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_delegation_principal_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_delegation_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_delegation_deputy_id'))

    op.drop_table('organisation_delegation')
    op.drop_table('leitstelle_member')
    op.drop_table('organisation')
