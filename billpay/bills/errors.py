from billpay.core.errors import DomainError


class ReviewReasonRequired(DomainError):
    pass


class NotConnected(DomainError):
    pass
