from billpay.core.errors import DomainError


class ApprovalCommentRequired(DomainError):
    """A rejection needs a comment saying why."""


class ApprovalClosed(DomainError):
    """The approval was decided already (approved, rejected or no longer needed)."""


class RuleInvalid(DomainError):
    """An approval rule that cannot work (no approver, a member who cannot approve)."""
