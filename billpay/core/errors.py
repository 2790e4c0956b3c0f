class DomainError(Exception):
    """A business rule was broken. The message is safe to show to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The user's role does not allow this (billpay.onboarding.roles)."""
