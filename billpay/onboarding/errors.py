from django.utils.translation import gettext_lazy as _

from billpay.core.errors import DomainError, NotAllowed


class EmailTaken(DomainError):
    pass


class InvitationInvalid(DomainError):
    pass


class InvitationForSomeoneElse(DomainError):
    pass


class SignupLinkInvalid(DomainError):
    """A sign-up confirmation link that is unknown, expired, used or superseded."""


class LastOwner(DomainError):
    """The company's last owner cannot be removed or given another role."""


class MemberNotFound(DomainError):
    """No such member in this company (the view answers 404)."""


class LinkFailed(DomainError):
    """Connecting the accounting software did not work; the message says why."""


class AlreadyConnected(DomainError):
    pass


class NotConnected(DomainError):
    """The company has no linked accounting software: nothing can be read from or sent to it."""

    default_message = _("Connect your accounting software first.")

    def __init__(self, message: str = "") -> None:
        super().__init__(message or str(self.default_message))


class WebhookRejected(Exception):
    """A webhook delivery that is not from Codat (bad or stale signature, malformed)."""


class CodeInvalid(DomainError):
    """A two-step login code that is wrong, used already, or asked too soon after a wrong one."""


class TwoFactorRequired(NotAllowed):
    """The company requires two-step login and this session has not passed it."""
