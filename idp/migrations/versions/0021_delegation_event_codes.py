"""Vertretung records as codes, said in the reader's language when shown

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:00:00.000000
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# The German sentences recorded until now (with the Vorgang's or service's name in
# them), and the codes of idp.organisations.delegation.ACTION_LABELS they become.
SENTENCES = [
    ("taken_up", "Vertretung übernommen"),
    ("given_up", "Vertretung beendet"),
    ("logged_in", "Anmeldung beim Online-Dienst „{}“"),
    ("case_read", "Vorgang „{}“ gelesen"),
    ("case_replied", "Antwort im Vorgang „{}“ gesendet"),
    ("case_trashed", "Vorgang „{}“ in den Papierkorb verschoben"),
    ("case_restored", "Vorgang „{}“ wiederhergestellt"),
    ("case_downloaded", "Vorgang „{}“ heruntergeladen"),
]

events = sa.table('organisation_delegation_event', sa.column('id', sa.Integer), sa.column('action', sa.Text),
                  sa.column('subject', sa.Text))


def _code_of(sentence: str) -> tuple[str, str | None] | None:
    for code, german in SENTENCES:
        pattern = "^" + re.escape(german).replace(re.escape("{}"), "(.*)") + "$"
        if match := re.match(pattern, sentence, re.S):
            return code, (match.group(1) if match.groups() else None)
    return None


def upgrade():
    with op.batch_alter_table('organisation_delegation_event') as batch:
        batch.add_column(sa.Column('subject', sa.Text(), nullable=True))
    connection = op.get_bind()
    for event_id, action in connection.execute(sa.select(events.c.id, events.c.action)).all():
        # A sentence of no known kind stays as it is; the page shows it unchanged.
        if found := _code_of(action):
            connection.execute(events.update().where(events.c.id == event_id)
                               .values(action=found[0], subject=found[1]))


def downgrade():
    connection = op.get_bind()
    sentences = dict(SENTENCES)
    for event_id, action, subject in connection.execute(
            sa.select(events.c.id, events.c.action, events.c.subject)).all():
        if action in sentences:
            connection.execute(events.update().where(events.c.id == event_id)
                               .values(action=sentences[action].replace("{}", subject or "")))
    with op.batch_alter_table('organisation_delegation_event') as batch:
        batch.drop_column('subject')
