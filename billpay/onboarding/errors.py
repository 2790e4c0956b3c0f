from billpay.core.errors import DomainError


class EmailTaken(DomainError):
    pass


class InvitationInvalid(DomainError):
    pass


class InvitationForSomeoneElse(DomainError):
    pass


class LinkFailed(DomainError):
    """Connecting the accounting software did not work; the message says why."""


class AlreadyConnected(DomainError):
    pass


class WebhookRejected(Exception):
    """A webhook delivery that is not from Codat (bad or stale signature, malformed)."""
