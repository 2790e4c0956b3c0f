from billpay.core.errors import DomainError


class EmailTaken(DomainError):
    pass


class InvitationInvalid(DomainError):
    pass


class InvitationForSomeoneElse(DomainError):
    pass
