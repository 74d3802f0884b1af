"""Messages put straight into a Postfach by the delivery rule (the message API has its
own tests), for the tests of the Postfach pages. Call inside an app context."""
from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import Account
from idp.clients import add_client
from idp.extensions import db
from idp.oidc.models import Client
from idp.organisations.models import FunctionMailbox, Organisation
from idp.postfach.delivery import NewAttachment, NewMessage, deliver
from idp.postfach.recipients import Recipient

PDF_BYTES = b"%PDF-1.4\n% Bescheid\n"


def add_service(name: str = "Wohngeld-Antrag") -> str:
    client, _ = add_client(name, ["http://127.0.0.1:9/callback"])
    return client.client_id


@dataclass(frozen=True)
class Sent:
    case_id: str
    message_id: str


def send(client_id: str, *, account_id: str | None = None, organisation_id: str | None = None,
         mailbox_id: str | None = None, reference: str = "WG-1", title: str = "Antrag auf Wohngeld",
         subject: str = "Ihr Antrag ist eingegangen", text: str = "Sehr geehrte Damen und Herren,\nvielen Dank.",
         reply_allowed: bool = False, attachments: tuple[NewAttachment, ...] = ()) -> Sent:
    """Deliver one message of the service to a citizen (`account_id`), or to an
    organisation's function mailbox (`mailbox_id`) or general mailbox."""
    if account_id:
        recipient = Recipient(account=db.session.get(Account, account_id))
    else:
        recipient = Recipient(organisation=db.session.get(Organisation, organisation_id),
                              mailbox=db.session.get(FunctionMailbox, mailbox_id) if mailbox_id else None)
    delivered = deliver(db.session.get(Client, client_id), recipient,
                        NewMessage(reference, title, subject, text, reply_allowed, list(attachments)))
    return Sent(delivered.message.case_id, delivered.message.id)


def bescheid(name: str = "Bescheid.pdf") -> NewAttachment:
    return NewAttachment(name, "application/pdf", PDF_BYTES)
