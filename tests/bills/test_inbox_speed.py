"""The inbox's speed (issue 12, point 11): what the load benchmark compares, and the queries saved.

`make bench` serves the inbox and its list floor (tests/bench/floor.py) from one gunicorn and
prints `load_inbox_list_ratio`; these tests keep the two pages comparable and the savings in.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import BillFactory, MembershipFactory, SupplierFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def _references(html: str) -> list[str]:
    return re.findall(r"INV-\d+", html)


def test_the_list_floor_lists_the_50_bills_the_inbox_shows_first(
    client_member, company, connected, settings
):
    supplier = SupplierFactory(company=company)
    today = timezone.localdate()
    for n in range(60):
        BillFactory(company=company, supplier=supplier, due_date=today + timedelta(days=n % 7))
    BillFactory(company=company, supplier=supplier, amount_due=0, codat_status="Paid")
    inbox = client_member.get("/bills/").content.decode()

    settings.ROOT_URLCONF = "tests.bench.urls"
    floor = Client().get(f"/bench/bills/{company.pk}/")  # bare: no log-in

    assert floor.status_code == 200
    assert len(_references(floor.content.decode())) == 50
    assert _references(floor.content.decode()) == _references(inbox)


def test_a_company_page_reads_the_users_memberships_once(client_member, company, connected, user):
    MembershipFactory(user=user, company__name="Beta Books")  # the switcher lists both
    BillFactory(company=company)

    with CaptureQueriesContext(connection) as queries:
        response = client_member.get("/bills/")

    assert response.status_code == 200
    assert sum('FROM "onboarding_membership"' in q["sql"] for q in queries) == 1
    assert "Beta Books" in response.content.decode()  # the switcher still lists them


def test_a_company_outside_the_users_memberships_is_still_a_404(client_member, other_company):
    session = client_member.session
    session["company_id"] = other_company.pk
    session.save()

    assert client_member.get("/bills/").status_code == 404
