"""Registration of a citizen Servicekonto (SPEC §3): form → overview → consent →
"Servicekonto anlegen" → activation link (24 h, single-use)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import delete, select

from eid_connector import EidAttributes

from .. import audit
from ..authn import eid, request_limits
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..mail import queue_template_mail
from ..secrets import new_secret
from ..timeutil import utcnow
from . import links, policy, wallet_links
from .models import Account, EidLink, RegistrationDraft
from .passwords import hash_password
from .profile import SALUTATIONS

FIELDS = ("salutation", "title", "given_name", "family_name", "email")
DRAFT_VALIDITY = links.ACTIVATION_VALIDITY


@dataclass
class DraftResult:
    draft: RegistrationDraft | None
    errors: dict[str, list[str]] = field(default_factory=dict)


def get_draft(draft_id: str | None) -> RegistrationDraft | None:
    if not draft_id:
        return None
    draft = db.session.get(RegistrationDraft, draft_id)
    if draft is None or draft.created_at < utcnow() - DRAFT_VALIDITY:
        return None
    return draft


def save_draft(draft: RegistrationDraft | None, form: dict[str, str], with_card: bool = False,
               record_id: str | None = None, card_source: str = eid.SOURCE) -> DraftResult:
    """Check the form; keep the entries either way so nothing is typed twice.

    With the ID card (`with_card`) the names come from the card, not from the form;
    `card_source` says which: the ID card ("eid") or the EUDI-Wallet's PID ("wallet").
    `record_id` names the online service's authorization request the registration
    was started from; the activation continues it.
    """
    data = {name: (form.get(name) or "").strip() for name in FIELDS}
    kept = (draft.data or {}).get("anfrage") if draft is not None else None
    if record_id or kept:
        data["anfrage"] = record_id or kept
    if with_card:
        data.update(given_name="", family_name="", title="")
    errors: dict[str, list[str]] = {}

    if data["salutation"] not in SALUTATIONS:
        errors["salutation"] = [_("Bitte wählen Sie eine Anrede aus der Liste.")]
    for name, label, required in (("title", _("Titel"), False), ("given_name", _("Vornamen"), not with_card),
                                  ("family_name", _("Nachnamen"), not with_card)):
        if problems := policy.check_name(data[name], label, required):
            errors[name] = problems
    if problems := policy.check_email(data["email"]):
        errors["email"] = problems

    entry = read_password(form, data["email"], draft.data.get("email", "") if draft is not None else "",
                          draft is not None and bool(draft.password_hash))
    errors.update(entry.errors)

    if draft is None:
        draft = RegistrationDraft(id=new_secret(), data={})
        db.session.add(draft)
    if with_card:
        # A card read earlier for these entries stays valid for them (if it came the same way).
        earlier = draft.data or {}
        same_way = earlier.get("card_source", eid.SOURCE) == card_source
        data.update(with_card="1", card_source=card_source, card=earlier.get("card") if same_way else None,
                    card_pseudonym=earlier.get("card_pseudonym") if same_way else None,
                    card_wallet=earlier.get("card_wallet") if same_way else None)
    draft.data = data
    store_password(draft, entry, errors)
    db.session.commit()
    return DraftResult(draft, errors)


@dataclass
class PasswordEntry:
    """The password fields of a registration form: a new password, or the one given
    before kept (`keep`), with the fields' errors."""

    password: str
    keep: bool
    errors: dict[str, list[str]]


def read_password(form, email: str, previous_email: str, has_password: bool) -> PasswordEntry:
    """When coming back to a form the password fields may stay empty: the password
    already given (`has_password`, for `previous_email`) is kept."""
    password, repeat = form.get("password") or "", form.get("password_repeat") or ""
    errors: dict[str, list[str]] = {}
    keep = has_password and not password and not repeat
    if keep and policy.normalize_email(previous_email) != policy.normalize_email(email):
        # The kept password was checked against the old address only (it must not
        # contain the address), so a new address needs the password again.
        keep = False
        errors["password"] = [_("Sie haben Ihre E-Mail-Adresse geändert. Bitte geben Sie Ihr Passwort erneut ein.")]
    if not keep and not errors:
        if problems := policy.check_password(password, email):
            errors["password"] = problems
        elif password != repeat:
            errors["password_repeat"] = [_("Die Passwörter stimmen nicht überein.")]
    return PasswordEntry(password, keep, errors)


def store_password(draft: RegistrationDraft, entry: PasswordEntry, errors: dict[str, list[str]]) -> None:
    """Hash a new password once the whole form (`errors`) is acceptable."""
    if not errors and not entry.keep:
        draft.password_hash = hash_password(entry.password)
    elif ("email" in errors or "password" in errors) and not entry.keep:
        # A password checked against another address is no longer known to be fine.
        draft.password_hash = None


def attach_card(draft: RegistrationDraft, card: EidAttributes) -> str | None:
    """Keep what the card said in the draft until "Servicekonto anlegen". Returns a
    refusal message when the card already belongs to an account."""
    pseudonym = eid.pseudonym_digest(card.restricted_id) if card.restricted_id else None
    if card.restricted_id and eid.account_for_pseudonym(card.restricted_id) is not None:
        return _("Dieser Ausweis ist bereits mit einem Servicekonto verbunden. Melden Sie sich mit der "
                "Online-Ausweisfunktion an, oder registrieren Sie sich ohne Ausweis.")
    return _keep_card(draft, card, card_pseudonym=pseudonym)


def attach_pid(draft: RegistrationDraft, pid: EidAttributes, identifier: str) -> str | None:
    """Keep what the EUDI-Wallet's PID said in the draft, like the card's; `identifier`
    is its stable identifier (a keyed digest). Returns a refusal message when the PID
    already belongs to an account."""
    if wallet_links.account_for(identifier) is not None:
        return _("Dieser Identitätsnachweis (PID) ist bereits mit einem Servicekonto verbunden. Melden Sie sich "
                 "mit der EUDI-Wallet an, oder registrieren Sie sich ohne Wallet.")
    return _keep_card(draft, pid, card_wallet=identifier)


def _keep_card(draft: RegistrationDraft, card: EidAttributes, **link: str | None) -> None:
    """The card's (or PID's) data and what links them, in the draft until "Servicekonto anlegen"."""
    values = {k: v for k, v in card.as_dict().items() if k in eid.CARD_ATTRIBUTES}
    draft.data = {**draft.data, "card": values, **link}
    db.session.commit()


def card_source(draft: RegistrationDraft) -> str:
    return (draft.data or {}).get("card_source", eid.SOURCE)


def card_of(draft: RegistrationDraft) -> dict | None:
    return (draft.data or {}).get("card") if (draft.data or {}).get("with_card") else None


def complete(draft: RegistrationDraft, link_for: Callable[[str], str], source: str | None = None,
             locale: str | None = None) -> str | None:
    """"Servicekonto anlegen": create the pending account and send the activation link,
    in `locale`, the language the person registered in (kept for the account's mails).

    The outcome looks the same to the person at the form whether or not the address
    is known here; only the owner of the mailbox learns more. Returns the refusal
    when the request limit of the source or the address is reached.
    """
    data = draft.data
    if not request_limits.take(request_limits.Action.REGISTRATION, source, data["email"]):
        return request_limits.EXCEEDED
    normalized = policy.normalize_email(data["email"])
    existing = db.session.scalar(select(Account).where(Account.email_normalized == normalized))
    if existing is not None and not replaceable(existing):
        notify_holder(existing)
        audit.record("account.registered", succeeded=False, email=data["email"], reason="address_taken")
    else:
        account = existing or Account(email_normalized=normalized)
        if existing is None:
            db.session.add(account)
        # An unactivated account is only a claim until its link is used; the newer
        # registration replaces it and the older link stops working.
        account.email = data["email"]
        account.locale = locale
        # Nothing of the replaced registration survives, least of all card data.
        account.attributes.clear()
        if existing is not None:
            db.session.execute(delete(EidLink).where(EidLink.account_id == account.id))
            wallet_links.unlink(account)
        account.password_hash = draft.password_hash
        account.status = "pending"
        account.created_at = utcnow()
        for name in ("salutation", "title", "given_name", "family_name"):
            account.set_attribute(name, data.get(name), Level.NIEDRIG, "self")
        source = card_source(draft)
        if card := card_of(draft):
            # Read from the card or the PID: the account is Plus as soon as it is activated.
            (wallet_links.apply_pid if source == wallet_links.SOURCE else eid.apply_card)(account, EidAttributes(**card))
        db.session.flush()
        if card and data.get("card_pseudonym"):
            # Linked elsewhere since the card was read: the account is Plus all the
            # same, only eID login waits for "Daten mit Ausweis synchronisieren".
            eid.link_digest(account, data["card_pseudonym"])
        if card and data.get("card_wallet"):
            # Likewise for a PID linked elsewhere meanwhile: Plus, without wallet login.
            wallet_links.link(account, data["card_wallet"])
        send_activation(account, link_for, continuation(data.get("anfrage")))
        audit.record("account.registered", account_id=account.id, email=account.email,
                     method=source if card else "password")
    db.session.delete(draft)
    db.session.commit()
    return None


def replaceable(account: Account) -> bool:
    """An unactivated citizen registration is only a claim on its address until its
    link is used: a newer registration replaces it. An organisation's pending account
    is not: its administration vouches for the address, and the account carries the
    membership, which a citizen's registration must never take over."""
    return not account.is_active and account.kind == "citizen"


def notify_holder(holder: Account) -> None:
    """Tell the owner of a taken address that someone tried to register with it; the
    person at the form sees the same as for a free address."""
    if holder.is_active:
        queue_template_mail(holder.email, _("Registrierung mit Ihrer E-Mail-Adresse"), "already_registered.txt",
                            account=holder)
    else:
        # An organisation's account not yet activated: its activation link is the way in.
        queue_template_mail(holder.email, _("Registrierung mit Ihrer E-Mail-Adresse"),
                            "already_registered_pending.txt", account=holder)


def continuation(record_id: str | None, next_url: str | None = None) -> dict | None:
    """What an activation link carries of the step that sent the mail: the online
    service's authorization request that waits (its id), or a local page."""
    payload = {key: value for key, value in (("anfrage", record_id), ("next", next_url)) if value}
    return payload or None


def continuation_of(secret: str) -> tuple[str | None, str | None]:
    """The (request id, local page) an activation link carries; read before it is used."""
    link, _ = links.find_link(secret, "activation")
    payload = (link.payload if link is not None else None) or {}
    return payload.get("anfrage"), payload.get("next")


def send_activation(account: Account, link_for: Callable[[str], str], carried: dict | None = None) -> None:
    """Mail the activation link; `carried` (see `continuation`) stays on the server with
    the link, so the link continues the service's request in any browser."""
    secret = links.issue_link(account, "activation", links.ACTIVATION_VALIDITY, payload=carried)
    queue_template_mail(account.email, _("Aktivieren Sie Ihr Servicekonto"), "activation.txt", account=account,
                        link=link_for(secret), hours=int(links.ACTIVATION_VALIDITY.total_seconds() // 3600))


def activate(secret: str) -> tuple[Account | None, links.LinkProblem | None]:
    link, problem = links.find_link(secret, "activation")
    if problem is not None:
        return None, problem
    account = db.session.get(Account, link.account_id)
    links.consume(link)
    account.status = "active"
    account.activated_at = utcnow()
    account.set_attribute("email", account.email, Level.NIEDRIG, "self")
    audit.record("account.activated", account_id=account.id, email=account.email)
    db.session.commit()
    return account, None


def purge_unactivated() -> int:
    """Citizen accounts not activated within 24 h are deleted (SPEC §3), with their
    drafts. Organisation accounts follow their own rules (organisations.maintenance)."""
    cutoff = utcnow() - links.ACTIVATION_VALIDITY
    stale = db.session.scalars(
        select(Account).where(Account.status == "pending", Account.created_at < cutoff,
                              Account.kind == "citizen")
    ).all()
    for account in stale:
        db.session.delete(account)
    drafts = db.session.scalars(select(RegistrationDraft).where(RegistrationDraft.created_at < cutoff)).all()
    for draft in drafts:
        db.session.delete(draft)
    return len(stale)
