""""Unternehmensdaten" (SPEC §6, seed 003): the organisation's data, the switch
"Administratoren dürfen Online-Dienste nutzen" and "Unternehmen löschen"."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete

from .. import audit
from ..accounts import deletion
from ..accounts.models import Account
from ..authn.password import check_current_password
from ..extensions import db
from ..i18n import _
from ..mail import queue_template_mail
from . import entitlements, policy
from .models import Organisation

OPTIONAL_FIELDS = ("legal_form", "register_number", "register_court", "po_box")
LOCKED_REFUSED = _("Diese Angabe wurde aus ELSTER übernommen und kann hier nicht geändert werden.")
DELETION_NOT_CONFIRMED = _("Bitte bestätigen Sie, dass Sie die Organisation mit allen Servicekonten "
                           "endgültig löschen möchten.")


@dataclass
class Result:
    data: dict
    errors: dict[str, list[str]] = field(default_factory=dict)


def locked_fields(organisation: Organisation) -> frozenset[str]:
    return frozenset(organisation.locked_fields or ())


def current(organisation: Organisation) -> dict:
    data = {name: getattr(organisation, name) or "" for name in policy.ORGANISATION_FIELDS}
    data["admins_use_services"] = bool(organisation.admins_use_services)
    return data


def update(organisation: Organisation, form) -> Result:
    """Save what was entered. Fields taken from ELSTER are never taken from the form; a
    request that tries to change one anyway is refused as a whole."""
    locked = locked_fields(organisation)
    saved = current(organisation)
    data = {name: (form.get(name) or "").strip() for name in policy.ORGANISATION_FIELDS}
    data["admins_use_services"] = form.get("admins_use_services") == "ja"
    errors = policy.validate_organisation(data, locked)
    for name in locked:
        if name in form and data[name] != saved[name]:
            errors[name] = [LOCKED_REFUSED]
        data[name] = saved[name]
    if errors:
        return Result(data, errors)
    changed = [name for name in (*policy.ORGANISATION_FIELDS, "admins_use_services") if data[name] != saved[name]]
    for name in policy.ORGANISATION_FIELDS:
        if name not in locked:
            setattr(organisation, name, (data[name] or None) if name in OPTIONAL_FIELDS else data[name])
    organisation.admins_use_services = data["admins_use_services"]
    if changed:
        audit.record("organisation.changed", organisation_id=organisation.id, fields=changed)
    db.session.commit()
    return Result(data)


def check_deletion(account: Account, form, address: str, *, devices_seen: list[str]) -> dict[str, list[str]]:
    """The safety question before "Unternehmen löschen": the checkbox and the password."""
    errors = {}
    if form.get("confirm") != "ja":
        errors["confirm"] = [DELETION_NOT_CONFIRMED]
    if problem := check_current_password(account, form.get("password") or "", address, devices_seen=devices_seen):
        errors["password"] = [problem]
    return errors


def delete_organisation(organisation: Organisation) -> None:
    """Immediate and final: every account of the organisation goes the way of
    "Servicekonto löschen" (sessions end, online services are told), then the
    organisation. Every administrator is told by mail, the other users are not."""
    organisation_id, name = organisation.id, organisation.name
    notify = [(admin.email, admin.display_name, admin.locale) for admin in entitlements.administrators(organisation_id)]
    member_ids = [member.account_id for member in organisation.members]
    for account_id in member_ids:
        deletion.remove_account(account_id)
    # Queued after the accounts are gone: their removal clears the outbox for their addresses.
    for email, display_name, locale in notify:
        queue_template_mail(email, _("Ihre Organisation wurde gelöscht"), "org_deleted.txt", locale=locale,
                            display_name=display_name, organisation_name=name)
    # The members' rows went with their accounts (ON DELETE CASCADE); a bulk delete
    # keeps the ORM from deleting them a second time.
    db.session.execute(delete(Organisation).where(Organisation.id == organisation_id))
    audit.record("organisation.deleted", organisation_id=organisation_id, accounts=len(member_ids))
    db.session.commit()
