"""Delivering notifications: in the app and by email, at most once per event and recipient."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from billpay.core.words import Phrase, store
from billpay.notifications.models import Kind, Notification, Preference
from billpay.onboarding.models import Company, Membership, User

logger = logging.getLogger(__name__)


def notifications_deliver(
    *,
    company_id: int,
    kind: str,
    event_key: str,
    recipient_ids: list[int],
    message: dict,
    url: str = "",
) -> int:
    """Record the notification for each recipient still in the company and email those who want
    it; how many emails went. **Idempotent:** a row per (recipient, event_key), and an email only
    by the run that sets `emailed_at` (a conditional UPDATE): a task run twice sends nothing twice.
    """
    phrase = Phrase.from_json(message)
    members = list(
        Membership.objects.filter(company_id=company_id, user_id__in=recipient_ids).select_related(
            "user", "company"
        )
    )
    if not members:
        return 0
    prefs = {
        p.user_id: p
        for p in Preference.objects.filter(user_id__in=[m.user_id for m in members], kind=kind)
    }
    now = timezone.now()
    text = store("message", phrase)
    Notification.objects.bulk_create(
        [
            Notification(
                company_id=company_id,
                recipient=m.user,
                kind=kind,
                event_key=event_key,
                url=url,
                read_at=None if _pref(prefs, m.user_id).in_app else now,
                **text,
            )
            for m in members
        ],
        ignore_conflicts=True,
    )
    sent = 0
    for m in members:
        if not _pref(prefs, m.user_id).by_email or not m.user.is_active:
            continue
        claimed = Notification.objects.filter(
            recipient=m.user, event_key=event_key, emailed_at__isnull=True
        ).update(emailed_at=now)
        if claimed:
            sent += _email(m.user, m.company, phrase, url)
    return sent


def _pref(prefs: dict[int, Preference], user_id: int) -> Preference:
    return prefs.get(user_id) or Preference(in_app=True, by_email=True)


def _email(user: User, company: Company, phrase: Phrase, url: str) -> int:
    """At most once: `emailed_at` is already set, so a failure is logged, not retried."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = str(phrase)
        lines = [text, ""]
        if url:
            lines += [f"{settings.APP_BASE_URL}{url}", ""]
        lines.append(
            gettext("Choose what BillPay tells you: %(url)s")
            % {"url": f"{settings.APP_BASE_URL}/notifications/"}
        )
        subject = f"{company.name}: {text}"
    try:
        send_mail(
            subject=" ".join(subject.split())[:200],
            message="\n".join(lines),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:  # an email lost is told in the app still; never sent twice
        logger.exception("notification email to user %s failed", user.pk)
        return 0
    return 1


def notifications_read(*, user: User, company: Company) -> int:
    """Mark the user's notifications in this company as read; how many were unread."""
    return Notification.objects.filter(
        recipient=user, company=company, read_at__isnull=True
    ).update(read_at=timezone.now())


def preferences_save(*, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Save the user's (in the app, by email) choice for each kind. **Idempotent.**"""
    with transaction.atomic():
        for kind, (in_app, by_email) in choices.items():
            Preference.objects.update_or_create(
                user=user, kind=Kind(kind), defaults={"in_app": in_app, "by_email": by_email}
            )
