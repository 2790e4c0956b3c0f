"""What the notifications app does when onboarding reports something (onboarding.hooks)."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.core.words import phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify
from billpay.onboarding.models import AccountingConnection
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import members_who_can


def connection_status_changed(*, company, connection, before: str) -> None:
    """The books stopped accepting our access: owners and admins are told, to reconnect."""
    if connection.status != AccountingConnection.Status.DEAUTHORIZED:
        return
    notify(
        company=company,
        kind=Kind.CONNECTION_LOST,
        event_key=f"connection:{connection.pk}:deauthorized:{connection.status_read_at.timestamp()}",
        recipients=members_who_can(company=company, action=Can.MANAGE_SETTINGS),
        message=phrase(
            gettext_noop(
                "%(platform)s stopped accepting BillPay's access: reconnect it to keep your "
                "bills in sync."
            ),
            platform=connection.platform_name,
        ),
        url=reverse("onboarding:connection"),
    )
