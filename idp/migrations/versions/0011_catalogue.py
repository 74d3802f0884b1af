"""the catalogue of online services: description, authority, start URL, keywords, fees

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 21:10:00.000000

Existing clients are not listed until the operator gives them a start URL
(`servicekonto clients catalogue CLIENT_ID --start-url URL`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('authority', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('start_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('keywords', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('fees', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('in_catalogue', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('oidc_client', schema=None) as batch_op:
        batch_op.drop_column('in_catalogue')
        batch_op.drop_column('fees')
        batch_op.drop_column('keywords')
        batch_op.drop_column('start_url')
        batch_op.drop_column('authority')
        batch_op.drop_column('description')
