"""Why a pay run cannot be created, changed, approved or confirmed (messages safe to show)."""

from billpay.core.errors import DomainError


class RunInvalid(DomainError):
    """The run cannot be created or changed as asked."""


class RunChanged(DomainError):
    """The run changed (or moved on) since the page that confirms it was drawn."""


class OverdrawNotConfirmed(DomainError):
    """The run would overdraw an account and nobody said that is fine."""
