from billpay.onboarding.services.connection import (
    INTEGRATIONS,
    Integration,
    connection_disconnect,
    connection_start,
    connection_verify,
)
from billpay.onboarding.services.members import (
    INVITATION_SALT,
    Invitation,
    company_create,
    demo_seed,
    invitation_accept,
    invitation_accept_new_user,
    invitation_send,
    invitation_token_make,
    invitation_token_read,
    user_language_set,
    user_signup,
)
from billpay.onboarding.services.webhooks import webhook_process, webhook_receive, webhook_verify

__all__ = [
    "INTEGRATIONS",
    "INVITATION_SALT",
    "Integration",
    "Invitation",
    "company_create",
    "connection_disconnect",
    "connection_start",
    "connection_verify",
    "demo_seed",
    "invitation_accept",
    "invitation_accept_new_user",
    "invitation_send",
    "invitation_token_make",
    "invitation_token_read",
    "user_language_set",
    "user_signup",
    "webhook_process",
    "webhook_receive",
    "webhook_verify",
]
