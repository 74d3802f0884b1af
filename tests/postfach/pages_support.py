"""Messages put straight into a Postfach by the delivery rule (the message API has its
own tests), for the tests of the Postfach pages. Call inside an app context."""
from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import Account
from idp.clients import add_client
from idp.extensions import db
from idp.oidc.models import Client
from idp.organisations import delegation as delegations
from idp.organisations import groups, mailboxes
from idp.organisations.models import Delegation, FunctionMailbox, Organisation
from idp.postfach.delivery import NewAttachment, NewMessage, deliver
from idp.postfach.recipients import Recipient
from tests.organisations.support_f import Team, make_team

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


@dataclass(frozen=True)
class Office:
    """Muster GmbH (tests/organisations/support_f.make_team): Uwe reads "Buchhaltung"
    through the group "Team", Karla reads "Personal" in person; one message of the
    service waits in each and one in the organisation's general mailbox."""

    team: Team
    service: str
    accounting_box: str
    personnel_box: str
    accounting: Sent
    personnel: Sent
    general: Sent


def make_office(app) -> Office:
    team = make_team(app)
    with app.app_context():
        organisation = db.session.get(Organisation, team.organisation_id)
        group = groups.save(organisation, {"name": "Team"}).group
        groups.set_members(group, organisation, {team.user_id})
        accounting = mailboxes.save(organisation, {"name": "Buchhaltung"}, {str(group.id)}, set()).mailbox
        personnel = mailboxes.save(organisation, {"name": "Personal"}, set(), {team.colleague_id}).mailbox
        service = add_service("Gewerbeanzeige")
        to_organisation = {"organisation_id": team.organisation_id}
        return Office(
            team, service, accounting.id, personnel.id,
            accounting=send(service, **to_organisation, mailbox_id=accounting.id, reference="B-1", title="Umsatzsteuer",
                            subject="Bitte Rechnung prüfen"),
            personnel=send(service, **to_organisation, mailbox_id=personnel.id, reference="P-1", title="Lohnsteuer",
                           subject="Vertrauliche Personalsache"),
            general=send(service, **to_organisation, reference="G-1", title="Allgemeines",
                         subject="An die Organisation"))


def karla_names_uwe_deputy(app, office: Office) -> int:
    """An active delegation "Nur Postfächer" from Karla to Uwe, not yet taken up."""
    team = office.team
    with app.app_context():
        delegation = Delegation(organisation_id=team.organisation_id, principal_id=team.colleague_id,
                                deputy_id=team.user_id, starts_on=delegations.today(), scope="postfach")
        db.session.add(delegation)
        db.session.commit()
        return delegation.id
