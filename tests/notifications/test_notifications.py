"""Issue 15, point 3: notifications in the app (the bell) and by email, once per event and
recipient even when the task runs twice, after commit only, per-user choices, in the reader's
language; and the events that send them."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from billpay.bills.notices import weekly_digest
from billpay.bills.services import bill_review
from billpay.core.words import phrase
from billpay.notifications.models import Kind, Notification, Preference
from billpay.notifications.services import notifications_deliver
from billpay.notifications.tasks import notify
from billpay.onboarding.models import AccountingConnection
from billpay.onboarding.services.connection import _connection_apply
from tests.factories import (
    AccountingConnectionFactory,
    BillFactory,
    CompanyFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings):
    """Tasks run where they are queued (on commit, here), as a worker would run them."""
    from billpay.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def _deliver(company, users, key="event:1", kind=Kind.PAYMENT_PROBLEM):
    return notifications_deliver(
        company_id=company.pk,
        kind=kind,
        event_key=key,
        recipient_ids=[u.pk for u in users],
        message=phrase(
            "The payment of %(amount)s to %(supplier)s failed: %(reason)s",
            amount="$1.00",
            supplier="Acme",
            reason="closed period",
        ).to_json(),
        url="/payments/",
    )


def test_a_task_run_twice_tells_each_recipient_once(company, user, accountant):
    assert _deliver(company, [user, accountant]) == 2
    assert _deliver(company, [user, accountant]) == 0

    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]
    assert "Acme" in mail.outbox[0].subject and "/payments/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_one_email():
    company = CompanyFactory()
    owner = MembershipFactory(company=company).user
    barrier, sent = threading.Barrier(2), []

    def work():
        try:
            barrier.wait()
            sent.append(_deliver(company, [owner]))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sent) == [0, 1]
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_only_after_commit(company, user, django_capture_on_commit_callbacks, enqueued):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(
                    company=company,
                    kind=Kind.DIGEST,
                    event_key="k1",
                    recipients=[user],
                    message=phrase("x"),
                )
                raise RuntimeError
        except RuntimeError:
            pass
    assert enqueued == []
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            company=company,
            kind=Kind.DIGEST,
            event_key="k2",
            recipients=[user, None],
            message=phrase("x"),
        )
    assert [name for name, _ in enqueued] == ["notifications_deliver_task"]
    assert enqueued[0][1]["recipient_ids"] == [user.pk]


def test_choices_are_kept_per_kind(company, user, accountant):
    Preference.objects.create(user=user, kind=Kind.PAYMENT_PROBLEM, in_app=False, by_email=True)
    Preference.objects.create(
        user=accountant, kind=Kind.PAYMENT_PROBLEM, in_app=True, by_email=False
    )

    _deliver(company, [user, accountant])

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert Notification.objects.get(recipient=user).read_at is not None  # not in the bell
    assert Notification.objects.get(recipient=accountant).read_at is None


def test_someone_no_longer_in_the_company_is_not_told(company, other_company):
    stranger = MembershipFactory(company=other_company).user
    assert _deliver(company, [stranger]) == 0
    assert not Notification.objects.exists()


def test_the_bell_counts_and_the_page_reads_in_the_readers_language(client_member, company, user):
    _deliver(company, [user])
    user.language = "fr"
    user.save()

    count = client_member.get(reverse("notifications:count")).content.decode()
    assert ">1<" in count
    page = client_member.get(reverse("notifications:list")).content.decode()
    assert "Le paiement de $1.00 à Acme a échoué" in page
    client_member.post(reverse("notifications:list"), {"read": "1"})
    assert ">1<" not in client_member.get(reverse("notifications:count")).content.decode()


def test_the_bell_shows_no_one_elses_notifications(client_member, company, accountant):
    _deliver(company, [accountant])
    assert "Acme" not in client_member.get(reverse("notifications:list")).content.decode()
    assert 'class="badge' not in client_member.get(reverse("notifications:count")).content.decode()


def test_choices_are_saved_from_the_page(client_member, user):
    client_member.post(
        reverse("notifications:list"),
        {
            "save": "1",
            "digest-app": "on",
            "payment_problem-app": "on",
            "payment_problem-email": "on",
        },
    )
    digest = Preference.objects.get(user=user, kind=Kind.DIGEST)
    assert (digest.in_app, digest.by_email) == (True, False)
    assert Preference.objects.filter(user=user).count() == len(Kind.values)


# --- the events ------------------------------------------------------------------------------------


def test_the_books_refusing_access_tells_owners_and_admins(
    company, user, accountant, django_capture_on_commit_callbacks, eager
):
    admin = MembershipFactory(company=company, role="admin").user
    conn = AccountingConnectionFactory(company=company, status=AccountingConnection.Status.LINKED)

    with django_capture_on_commit_callbacks(execute=True):
        _connection_apply(
            conn,
            status=AccountingConnection.Status.DEAUTHORIZED,
            asked_at=timezone.now(),
            actor=None,
        )

    told = set(Notification.objects.values_list("recipient__email", flat=True))
    assert told == {user.email, admin.email}
    assert Notification.objects.first().kind == Kind.CONNECTION_LOST


def test_a_rejected_bill_tells_whoever_created_it(
    company, user, accountant, django_capture_on_commit_callbacks, eager
):
    bill = BillFactory(company=company, created_by=accountant)
    with django_capture_on_commit_callbacks(execute=True):
        bill_review(bill=bill, actor=user, decision="rejected", reason="Wrong amount")
    note = Notification.objects.get(recipient=accountant)
    assert note.kind == Kind.DECIDED and "Wrong amount" in note.message_text


def test_the_weekly_digest_goes_once_a_week(
    company, user, django_capture_on_commit_callbacks, eager
):
    AccountingConnectionFactory(company=company, status=AccountingConnection.Status.LINKED)
    today = date(2026, 11, 30)
    BillFactory(company=company, due_date=today + timedelta(days=2), amount_due=Decimal("5"))
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_digest(today=today) == 1
        assert weekly_digest(today=today + timedelta(days=1)) == 1  # the same ISO week
    assert Notification.objects.filter(kind=Kind.DIGEST).count() == 1
    assert "1 bills due in the next 7 days" in Notification.objects.get().message_text
