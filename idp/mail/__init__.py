"""Outgoing mail: every message goes through the outbox table first, so a mail that
cannot be delivered now is kept and retried, never lost."""
from .outbox import OutboxMail, deliver_due, queue_mail, queue_template_mail

__all__ = ["OutboxMail", "deliver_due", "queue_mail", "queue_template_mail"]
