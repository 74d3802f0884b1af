"""Registration of an organisation, Servicekonto Business (SPEC §6): organisation data
→ first administrator → online services (optional) → overview → consent →
"Servicekonto Business anlegen" → activation link (24 h) that activates the
organisation and its administrator together.

The entries wait in a `RegistrationDraft` (kind "organisation") so that going back or
a refused field loses nothing and the password hash never travels in a cookie.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import select

from .. import audit
from ..accounts import links
from ..accounts import registration as citizen_registration
from ..accounts.models import Account, RegistrationDraft
from ..accounts.policy import normalize_email
from ..accounts.registration import DraftResult
from ..authn import request_limits
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..mail import queue_template_mail
from ..oidc.models import Client
from ..secrets import new_secret
from ..timeutil import utcnow
from . import elster_links, entitlements, policy, subscriptions
from .company import LOCKED_REFUSED
from .models import ACCOUNT_KIND, Organisation, OrganisationMember

KIND = "organisation"
PURPOSE = "org_activation"
VALIDITY = links.ACTIVATION_VALIDITY
# The steps in their order; each must be passed before the next page opens.
STEPS = ("organisation", "administrator", "services")
OPTIONAL_ORGANISATION_FIELDS = ("legal_form", "register_number", "register_court", "po_box")
APPROVAL_LABELS = {
    "auto": _("sofort nutzbar (automatische Freischaltung)"),
    "leitstelle": _("nutzbar nach Freischaltung durch die Fachliche Leitstelle"),
}


def get_draft(draft_id: str | None) -> RegistrationDraft | None:
    draft = citizen_registration.get_draft(draft_id)
    return draft if draft is not None and (draft.data or {}).get("kind") == KIND else None


def entries(draft: RegistrationDraft | None, step: str) -> dict | list:
    """What was entered in a step, to fill its form again (for "services" the chosen
    client ids)."""
    return ((draft.data if draft else None) or {}).get(step) or ([] if step == "services" else {})


def open_step(draft: RegistrationDraft | None, before: str | None = None) -> str | None:
    """The first step not yet passed (up to `before`; all when None), or None."""
    done = ((draft.data if draft else None) or {}).get("done", [])
    for step in STEPS:
        if step == before:
            return None
        if step not in done or (step == "administrator" and not draft.password_hash):
            return step
    return None


def _save(draft: RegistrationDraft | None, step: str, values, errors: dict) -> DraftResult:
    if draft is None:
        draft = RegistrationDraft(id=new_secret(), data={"kind": KIND})
        db.session.add(draft)
    done = [s for s in draft.data.get("done", []) if s != step] + ([] if errors else [step])
    # A new dict: the JSON column notices assignment, not changes inside.
    draft.data = {**draft.data, step: values, "done": done}
    return DraftResult(draft, errors)


def locked_fields(draft: RegistrationDraft | None) -> frozenset[str]:
    """Fields taken from ELSTER at a registration "Mit ElsterID"."""
    return frozenset((((draft.data if draft else None) or {}).get("elster") or {}).get("locked", ()))


def save_organisation(draft: RegistrationDraft | None, form) -> DraftResult:
    """Step 1; the entries are kept whether or not they are acceptable. Fields taken
    from ELSTER keep ELSTER's value; a form that tries to change one is refused."""
    locked = locked_fields(draft)
    saved = entries(draft, "organisation")
    data = {name: (form.get(name) or "").strip() for name in policy.ORGANISATION_FIELDS}
    errors = policy.validate_organisation(data, locked)
    for name in locked:
        if name in form and data[name] != saved.get(name, ""):
            errors[name] = [LOCKED_REFUSED]
        data[name] = saved.get(name, "")
    result = _save(draft, "organisation", data, errors)
    db.session.commit()
    return result


def start_with_elster(certificate: elster_links.Certificate) -> RegistrationDraft:
    """A registration "Mit ElsterID": the organisation's data from ELSTER, locked, and
    the holder's names for the first administrator; the certificate is linked to the
    administrator when the registration is complete."""
    organisation = {name: certificate.organisation.get(name, "") for name in policy.ORGANISATION_FIELDS}
    person = {name: certificate.person.get(name, "") for name in ("given_name", "family_name")}
    draft = RegistrationDraft(id=new_secret(), data={
        "kind": KIND, "organisation": organisation, "administrator": person, "done": [],
        "elster": elster_links.registration_payload(certificate)})
    db.session.add(draft)
    db.session.commit()
    return draft


def save_administrator(draft: RegistrationDraft, form) -> DraftResult:
    """Step 2: the first administrator and the password (policy of SPEC §3)."""
    data = {name: (form.get(name) or "").strip() for name in policy.PERSON_FIELDS}
    errors = policy.validate_person(data, admin=True)
    entry = citizen_registration.read_password(form, data["email"], entries(draft, "administrator").get("email", ""),
                                               bool(draft.password_hash))
    errors.update(entry.errors)
    result = _save(draft, "administrator", data, errors)
    citizen_registration.store_password(draft, entry, errors)
    db.session.commit()
    return result


def offered_services() -> list[Client]:
    """The online services an organisation can subscribe (Client.for_organisations)."""
    return list(db.session.scalars(
        select(Client).where(Client.audience.in_(("organisations", "both"))).order_by(Client.name)))


def save_services(draft: RegistrationDraft, client_ids: Iterable[str]) -> DraftResult:
    """Step 3: the services to subscribe; choosing none is fine."""
    offered = {client.client_id for client in offered_services()}
    chosen = list(dict.fromkeys(client_ids))
    errors = {} if set(chosen) <= offered else {
        "services": [_("Bitte wählen Sie nur Online-Dienste aus der Liste.")]}
    result = _save(draft, "services", [c for c in chosen if c in offered], errors)
    db.session.commit()
    return result


def chosen_services(draft: RegistrationDraft) -> list[Client]:
    chosen = set(entries(draft, "services"))
    return [client for client in offered_services() if client.client_id in chosen]


def complete(draft: RegistrationDraft, link_for: Callable[[str], str], source: str | None = None,
             locale: str | None = None) -> str | None:
    """"Servicekonto Business anlegen": the pending organisation and administrator, and
    the activation link to the administrator, in `locale` (the language of the
    registration, kept for the administrator's mails).

    The outcome looks the same at the form whether or not the address is taken; only
    the owner of the mailbox learns more. Returns the refusal when the request limit
    of the source or the address is reached.
    """
    admin = entries(draft, "administrator")
    if not request_limits.take(request_limits.Action.REGISTRATION, source, admin["email"]):
        return request_limits.EXCEEDED
    normalized = normalize_email(admin["email"])
    existing = db.session.scalar(select(Account).where(Account.email_normalized == normalized))
    if existing is not None and not _replaceable(existing):
        queue_template_mail(existing.email, _("Registrierung einer Organisation mit Ihrer E-Mail-Adresse"),
                            "org_already_registered.txt", account=existing)
        audit.record("organisation.registered", succeeded=False, email=admin["email"], reason="address_taken")
    else:
        if existing is not None:
            _discard(existing)
        organisation, account = _create(draft, normalized)
        account.locale = locale
        secret = links.issue_link(account, PURPOSE, VALIDITY,
                                  payload={"organisation_id": organisation.id,
                                           "services": entries(draft, "services")})
        queue_template_mail(account.email, _("Aktivieren Sie Ihr Servicekonto Business"), "org_activation.txt",
                            account=account, organisation=organisation, link=link_for(secret),
                            hours=int(VALIDITY.total_seconds() // 3600))
        audit.record("organisation.registered", organisation_id=organisation.id, account_id=account.id,
                     email=account.email, services=len(entries(draft, "services")))
    db.session.delete(draft)
    db.session.commit()
    return None


def _replaceable(account: Account) -> bool:
    """An unactivated self-registration is only a claim on its address until its link
    is used; a newer registration replaces it. A user an administrator created is not
    replaceable: the organisation vouches for that address."""
    if account.is_active:
        return False
    member = entitlements.membership(account.id)
    return member is None or not member.organisation.is_active


def _discard(account: Account) -> None:
    member = entitlements.membership(account.id)
    if member is not None:
        # Only the first administrator of a never activated organisation gets here.
        db.session.delete(member.organisation)
    db.session.delete(account)
    # Before the new account with the same address is inserted.
    db.session.flush()


def _create(draft: RegistrationDraft, normalized_email: str) -> tuple[Organisation, Account]:
    values = entries(draft, "organisation")
    organisation = Organisation(status="pending", **{
        name: (values.get(name) or None) if name in OPTIONAL_ORGANISATION_FIELDS else values[name]
        for name in policy.ORGANISATION_FIELDS})
    admin = entries(draft, "administrator")
    account = Account(email=admin["email"], email_normalized=normalized_email, password_hash=draft.password_hash,
                      kind=ACCOUNT_KIND, status="pending")
    for name in ("given_name", "family_name", "birth_date", "phone"):
        account.set_attribute(name, admin.get(name), Level.NIEDRIG, "self")
    db.session.add_all([organisation, account])
    db.session.flush()
    db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation.id, is_admin=True))
    if elster := (draft.data or {}).get("elster"):
        elster_links.bind_registered(organisation, account, elster)
    return organisation, account


def activate(secret: str) -> tuple[Account | None, links.LinkProblem | None]:
    """Activate the organisation and its administrator together and subscribe the
    services chosen at registration."""
    link, problem = links.find_link(secret, PURPOSE)
    if problem is not None:
        return None, problem
    account = db.session.get(Account, link.account_id)
    member = entitlements.membership(account.id)
    payload = link.payload or {}
    if member is None or member.organisation_id != payload.get("organisation_id"):
        return None, links.LinkProblem.UNKNOWN
    organisation = member.organisation
    links.consume(link)
    now = utcnow()
    account.status, account.activated_at = "active", now
    account.set_attribute("email", account.email, Level.NIEDRIG, "self")
    organisation.status, organisation.activated_at = "active", now
    for client_id in payload.get("services", []):
        client = db.session.get(Client, client_id)
        # A service may have been removed or turned to citizens only since.
        if client is not None and client.for_organisations:
            subscriptions.subscribe(organisation, client)
    audit.record("organisation.activated", organisation_id=organisation.id, account_id=account.id,
                 email=account.email)
    db.session.commit()
    return account, None
