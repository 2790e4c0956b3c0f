from billpay.notifications.models import Notification, Preference
from billpay.onboarding.models import Company, User

LIST_SIZE = 50


def notification_list(*, user: User, company: Company) -> list[Notification]:
    """The user's latest notifications in this company, newest first."""
    return list(Notification.objects.filter(recipient=user, company=company)[:LIST_SIZE])


def unread_count(*, user: User, company: Company) -> int:
    return Notification.objects.filter(
        recipient=user, company=company, read_at__isnull=True
    ).count()


def preferences_for(*, user: User) -> dict[str, Preference]:
    return {p.kind: p for p in Preference.objects.filter(user=user)}
