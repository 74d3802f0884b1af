"""Organisations, their people and subscribed services built straight in the database,
for the tests of groups and function mailboxes. Call inside an app context."""
from __future__ import annotations

from idp.clients import add_client
from idp.extensions import db
from idp.organisations.models import Organisation, ServiceSubscription
from tests.support.organisations import PASSWORD, create_member, create_organisation

ADMIN = "admin@muster.example"


def make_organisation(name: str = "Muster GmbH", admins_use_services: bool = False) -> str:
    return create_organisation(name, street="Hauptstraße", postal_code="24103", city="Kiel",
                               admins_use_services=admins_use_services)


def add_person(organisation_id: str, email: str, given_name: str = "Erika", family_name: str = "Mustermann",
               is_admin: bool = False) -> str:
    return create_member(organisation_id, email, given_name, family_name, is_admin=is_admin)


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
