"""The pairwise identifiers each client has received (`IssuedIdentifier`).

Noted when a code is issued, in its transaction: the client is about to learn the
`sub` and, for an organisation user, the organisation's id. An insert that ignores a
row already there keeps this one statement per login, without a read first.
"""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts.models import Account
from ..extensions import db
from ..organisations import entitlements
from ..organisations.claims import pairwise_organisation_id
from .models import IssuedIdentifier


def remember(client_id: str, account: Account, subject: str, pairwise_secret: bytes) -> None:
    rows = [{"client_id": client_id, "kind": "sub", "identifier": subject, "account_id": account.id,
             "organisation_id": None}]
    if entitlements.is_organisation_account(account):
        organisation = entitlements.organisation_of(account.id)
        if organisation is not None:
            rows.append({"client_id": client_id, "kind": "organisation", "account_id": None,
                         "identifier": pairwise_organisation_id(pairwise_secret, client_id, organisation.id),
                         "organisation_id": organisation.id})
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(IssuedIdentifier).values(rows).on_conflict_do_nothing())
