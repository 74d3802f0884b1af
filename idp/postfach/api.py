"""The message API for online services (SPEC §4), `/api/postfach/v1`."""
from __future__ import annotations

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("postfach_api", __name__, url_prefix="/api/postfach/v1")
csrf.exempt(bp)
