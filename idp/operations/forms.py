"""What an operator typed into a console form, kept for the page when it is refused,
with the refusals by field."""
from __future__ import annotations

import dataclasses
from ..i18n import _

CHOICE_REFUSED = _("Bitte wählen Sie einen der angebotenen Werte.")


@dataclasses.dataclass
class EnteredForm:
    """Subclasses are dataclasses whose other fields are the form's text fields."""

    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def read(cls, form):
        return cls(**{f.name: (form.get(f.name) or "").strip() for f in dataclasses.fields(cls) if f.name != "errors"})

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def check_choice(self, name: str, choices) -> None:
        if getattr(self, name) not in choices:
            self.refuse(name, CHOICE_REFUSED)
