from billpay.core.errors import DomainError


class ReviewReasonRequired(DomainError):
    pass
