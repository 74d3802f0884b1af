"""Organisations, their people and subscribed services built straight in the database,
for the tests of groups and function mailboxes. Call inside an app context."""
from __future__ import annotations

from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.clients import add_client
from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import ACCOUNT_KIND, Organisation, OrganisationMember, ServiceSubscription

PASSWORD = "ABab1234"
ADMIN = "admin@muster.example"


def make_organisation(name: str = "Muster GmbH", admins_use_services: bool = False) -> str:
    organisation = Organisation(name=name, street="Hauptstraße", house_number="1", postal_code="24103",
                                city="Kiel", status="active", admins_use_services=admins_use_services)
    db.session.add(organisation)
    db.session.commit()
    return organisation.id


def add_person(organisation_id: str, email: str, given_name: str = "Erika", family_name: str = "Mustermann",
               is_admin: bool = False) -> str:
    account = Account(email=email, email_normalized=normalize_email(email), password_hash=hash_password(PASSWORD),
                      status="active", kind=ACCOUNT_KIND)
    db.session.add(account)
    for name, value in (("given_name", given_name), ("family_name", family_name), ("email", email)):
        account.set_attribute(name, value, Level.NIEDRIG, "self")
    db.session.flush()
    db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation_id, is_admin=is_admin))
    db.session.commit()
    return account.id


def add_service(organisation_id: str, name: str, roles: tuple[str, ...] = ("a", "b"), status: str = "active") -> str:
    """An online service for organisations with these roles, subscribed by the organisation."""
    client, _ = add_client(name, ["http://127.0.0.1:9/callback"], audience="organisations", roles=list(roles))
    db.session.add(ServiceSubscription(organisation_id=organisation_id, client_id=client.client_id, status=status))
    db.session.commit()
    return client.client_id


def muster_organisation(*people: str) -> dict[str, str]:
    """Muster GmbH with the administrator Anna Admin (ADMIN), the users named (full
    names; each keyed and addressed by the first name: "Max Meier" is "max",
    max@muster.example) and the subscribed service "Gewerbeanzeige" (roles a, b).
    Returns the ids, the organisation's as "org"."""
    org_id = make_organisation()
    ids = {"org": org_id, "admin": add_person(org_id, ADMIN, "Anna", "Admin", is_admin=True),
           "service": add_service(org_id, "Gewerbeanzeige")}
    for person in people:
        given, family = person.split()
        ids[given.lower()] = add_person(org_id, f"{given.lower()}@muster.example", given, family)
    return ids


def two_organisations() -> tuple[Organisation, Organisation]:
    """X GmbH with admin@x.example and the plain user user@x.example, and Y GmbH with
    admin@y.example: for the tests that X's administrator never reaches Y."""
    x, y = make_organisation("X GmbH"), make_organisation("Y GmbH")
    add_person(x, "admin@x.example", is_admin=True)
    add_person(x, "user@x.example")
    add_person(y, "admin@y.example", is_admin=True)
    return db.session.get(Organisation, x), db.session.get(Organisation, y)


# -- in the browser ------------------------------------------------------------------------------
def open_administration_area(page, email: str, link: str) -> None:
    """Log in as `email` (an administrator) and follow `link` from the Administration
    dashboard to the page of that name."""
    from playwright.sync_api import expect

    from tests.browser.support import log_in

    log_in(page, email, PASSWORD)
    page.goto("/administration")
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(link)


def table_rows(page, caption: str) -> list[list[str]]:
    table = page.get_by_role("table", name=caption)
    return [row.get_by_role("cell").all_inner_texts() for row in table.locator("tbody tr").all()]
