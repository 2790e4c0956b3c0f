"""Why a payment cannot be prepared, confirmed or retried (messages safe to show)."""

from billpay.core.errors import DomainError, NotAllowed

__all__ = [
    "AmountNotAvailable",
    "ApprovalRequired",
    "MappingRequired",
    "NotAllowed",
    "PaymentInvalid",
]


class PaymentInvalid(DomainError):
    """The payment cannot be prepared as asked."""


class MappingRequired(PaymentInvalid):
    """No account is mapped for this method in the bill's currency."""


class AmountNotAvailable(PaymentInvalid):
    """An amount is more than what is left to pay on the bill."""


class ApprovalRequired(DomainError):
    """The approval gate: bills above the threshold must be approved first."""
