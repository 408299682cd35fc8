"""The domain's error hierarchy. Each error carries a message a person can act on.

Messages are English templates (``%(name)s`` placeholders) with their parameters kept apart,
so every door can show them in the reader's language.
"""

from __future__ import annotations

from typing import Any

from campaigns.i18n import N_


class Message(str):
    """A message template with its parameters where a plain string is expected (an entry of
    ``Invalid.errors``): it reads as the English text, and each door translates ``template``
    and fills in ``params`` (which may be messages themselves)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        text = super().__new__(cls, template % params if params else template)
        text.template = template
        text.params = params
        return text


class HeraldError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400

    def __init__(self, message: str, **params: Any) -> None:
        self.template = message
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


class NotAllowed(HeraldError):
    """The actor may not do this."""

    status = 403


class NotFound(HeraldError):
    """The thing asked for does not exist (or the actor may not know it exists)."""

    status = 404


class Conflict(HeraldError):
    """The request contradicts the current state (stale form, duplicate, wrong transition)."""

    status = 409


class Invalid(HeraldError):
    """Input that breaks a rule. ``errors`` maps field names to message templates (or to a
    ``Message`` when the message has parameters)."""

    status = 422
    # Names the fields as the code does, for API clients; a form shows each field's own message.
    FIELDS_MESSAGE = N_("Please correct these fields: %(fields)s")

    def __init__(
        self,
        message: str,
        *,
        errors: dict[str, str] | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.errors: dict[str, str] = dict(errors or {})
        if field is not None and field not in self.errors:
            self.errors[field] = message
        super().__init__(message, **params)

    @classmethod
    def from_fields(cls, errors: dict[str, str]) -> Invalid:
        """One error for several fields; its message names the fields."""
        return cls(cls.FIELDS_MESSAGE, errors=errors, fields=", ".join(errors))
