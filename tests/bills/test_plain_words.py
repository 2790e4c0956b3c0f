"""A bill's status in the books is shown in words ("Partly paid"), never as the books spell it."""

import pytest
from django.urls import reverse

from tests.factories import BillFactory


@pytest.mark.django_db
def test_the_inbox_and_the_bill_say_partly_paid(client_member, company, connected):
    bill = BillFactory(company=company, codat_status="PartiallyPaid")
    for url in (reverse("bills:inbox"), reverse("bills:bill-detail", args=[bill.pk])):
        text = client_member.get(url).content.decode()
        assert "Partly paid" in text and "PartiallyPaid" not in text
