"""The recurring bill pages in French, and the reasons kept by a worker read in French."""

import uuid
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from billpay.core.words import phrase, store
from billpay.recurring.models import RecurringOccurrence
from tests.factories import ExpenseAccountFactory, SupplierFactory
from tests.recurring.test_views import _create

pytestmark = pytest.mark.django_db


def test_the_pages_speak_french(client_member, company):
    supplier = SupplierFactory(company=company, name="Bailleur SA")
    account = ExpenseAccountFactory(company=company)
    template = _create(client_member, supplier, account, payment_method="bank_transfer")
    client_member.cookies["django_language"] = "fr"

    listing = client_member.get(reverse("recurring:recurring-list")).content.decode()
    page = client_member.get(reverse("recurring:recurring-detail", args=[template.pk])).content
    form = client_member.get(reverse("recurring:recurring-new")).content.decode()

    assert "Factures récurrentes" in listing and "Chaque mois" in listing
    assert "Prochaines dates" in page.decode() and "Date de paiement" in page.decode()
    assert "31 jan. 2027" in page.decode() and "28 fév. 2027" in page.decode()
    assert "Date de la première facture" in form and "Répéter" in form


def test_a_reason_a_worker_kept_reads_in_the_readers_language(company, user):
    from tests.recurring.test_tasks import _template

    template = _template(company, user)
    translation.deactivate_all()
    try:
        fields = store(
            "reason",
            phrase(
                "%(supplier)s is no longer an active supplier in your books.", supplier="Bailleur"
            ),
        )
    finally:
        translation.deactivate()
    occurrence = RecurringOccurrence.objects.create(
        company=company,
        template=template,
        date=date(2027, 1, 1),
        submission_key=uuid.uuid4(),
        state="refused",
        **fields,
    )

    with translation.override("fr"):
        assert occurrence.reason_text == (
            "Bailleur n’est plus un fournisseur actif dans votre comptabilité."
        )
