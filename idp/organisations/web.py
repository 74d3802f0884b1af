"""Guards for the organisation pages: who is logged in, in which organisation, and
whether as administrator."""
from __future__ import annotations

from functools import wraps

from flask import abort, g

from ..accounts.models import Account
from ..authn import web
from ..extensions import db
from . import entitlements


def organisation_required(view):
    """A logged-in organisation user; sets g.account, g.member and g.organisation."""

    @web.login_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        account = db.session.get(Account, g.login_session.account_id)
        member = entitlements.membership(account.id) if account is not None else None
        if member is None or not member.organisation.is_active:
            abort(403)
        g.account, g.member, g.organisation = account, member, member.organisation
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """An administrator of an organisation (SPEC §6: all administrators are equal)."""

    @organisation_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.member.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
