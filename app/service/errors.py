"""Why a use case refused: typed errors that each adapter renders its own way.

The API answers them as JSON ``{"detail": ...}`` with the status of ``app.http.errors``; the
pages as an HTML error page; the CLI as a one-line message. Raising them before anything is
written keeps a refused request from storing half of anything.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request; ``message`` is shown to the caller as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignInRequired(ServiceError):
    """Nobody is signed in (or no token was sent) and the action needs someone."""


class InvalidToken(SignInRequired):
    """A token was sent but is unknown or revoked (never treated as anonymous)."""


class Forbidden(ServiceError):
    """The caller is known but lacks the permission."""


class NotFound(ServiceError):
    """No such thing, or the caller may not know it exists."""


class Conflict(ServiceError):
    """The thing exists but is not in a state that allows this (e.g. no result yet)."""


class Invalid(ServiceError):
    """Unusable input: a bad field, empty or corrupt upload."""


class TooLarge(ServiceError):
    """Input over a configured limit."""
