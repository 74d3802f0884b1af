"""What a login back end hands to the account core."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..loa import Level

if TYPE_CHECKING:
    from ..accounts.models import Account


@dataclass(frozen=True)
class Attribute:
    name: str
    value: str
    level: Level
    source: str


@dataclass(frozen=True)
class Identity:
    """A proven identity.

    `ceiling` is the most the method can prove (password: substanziell, eID: hoch);
    the account core lowers it to what is known about the person.
    Either `account_id` (the back end checked an account's own credential) or
    `subject` (an identifier at the back end, e.g. an eID pseudonym) is set.
    """

    method: str
    amr: tuple[str, ...]
    ceiling: Level
    account_id: str | None = None
    subject: str | None = None
    attributes: tuple[Attribute, ...] = ()
    # How well this login itself proves the account's tie to its organisation (an
    # organisation certificate linked to the account), whoever the person is.
    organisation_binding: Level = Level.NIEDRIG
    # The account row, when the back end has loaded it in this transaction: the core
    # uses it instead of loading it again (the session keeps unchanged rows only
    # while someone holds them).
    account: Account | None = field(default=None, compare=False, repr=False)


class AuthenticationFailed(Exception):
    """The credentials did not prove anything. The message is safe to show."""


class LoginBackend(ABC):
    name: str

    @abstractmethod
    def authenticate(self, **credentials) -> Identity:
        """Return the identity proven by the credentials or raise AuthenticationFailed."""
