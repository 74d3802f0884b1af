"""Development outbox: shows the mails that were not sent over SMTP."""
from flask import Blueprint, render_template
from sqlalchemy import select

from ..extensions import db
from .outbox import OutboxMail

bp = Blueprint("outbox", __name__, url_prefix="/entwicklung")


@bp.route("/postausgang")
def outbox():
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(50)).all()
    return render_template("dev/outbox.html", mails=mails)
