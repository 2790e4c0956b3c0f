"""A payment's timeline and reason, written by workers in no one's language, read in the
reader's (issue 14): French for a French owner, English for an English one; what the books
said stays as they wrote it, amounts are written the reader's way."""

import html
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from billpay.codat.errors import CodatRequestError, ValidationItem
from billpay.payments.models import Payment
from billpay.payments.services import payments_submit_due
from billpay.pushes.tasks import push_advance_task
from tests.conftest import _logged_in
from tests.payments.conftest import owner
from tests.payments.test_scheduled import change_in_books, on, open_bills, schedule
from tests.payments.test_tasks import queued  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status
NBSP = "\u00a0"


def _detail(company, payment, language: str) -> str:
    user = owner(company)
    user.language = language
    user.save(update_fields=["language"])
    response = _logged_in(user, company).get(reverse("payments:payment-detail", args=[payment.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_refused_payment_says_why_in_french_with_the_books_words_as_they_are(
    books,
    queued,  # noqa: F811  (the fixture imported above)
):
    error = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Account is archived."),)
    )
    translation.deactivate_all()  # the worker's: no user's language
    with mock.patch("billpay.codat.CodatClient.create_bill_payment", side_effect=error):
        push_advance_task(push_id=queued.push_id)
    translation.deactivate()

    french = _detail(books, queued, "fr")
    english = _detail(books, queued, "en")

    queued.refresh_from_db()
    assert queued.status == S.FAILED
    assert queued.status_reason == "Your books rejected this payment: Account is archived."
    assert f"Votre comptabilité a refusé ce paiement{NBSP}: Account is archived." in french
    assert "Your books rejected" not in french
    assert "Préparé" in french and "Confirmé" in french  # the timeline's own lines
    assert "Your books rejected this payment: Account is archived." in english
    assert "Confirmed" in english


def test_a_held_payment_says_why_in_french_with_amounts_written_the_french_way(books):
    [bill] = open_bills(books)
    payment = schedule(books, [bill])
    change_in_books(books, bill, amountDue=Decimal("1.00"))

    translation.deactivate_all()
    with on(payment.payment_date):
        payments_submit_due(company=books)
    translation.deactivate()

    french = _detail(books, payment, "fr")
    english = _detail(books, payment, "en")

    payment.refresh_from_db()
    assert payment.status == S.ON_HOLD
    name = f"{bill.supplier_name} {bill.reference}"
    assert f"Le montant dû sur {name} est passé de" in french
    assert f"à 1,00{NBSP}$US." in french
    assert f"En attente{NBSP}: Le montant dû sur {name}" in french  # the timeline's line
    assert "Programmé pour le" in french
    assert f"The amount due on {name} changed from" in english and "to $1.00." in english
