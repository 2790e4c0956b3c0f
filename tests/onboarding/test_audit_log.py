"""Issue 15, point 6: the company's audit trail, filtered by person, object and action, with a
CSV export; owners and admins only; another company's entries never show."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from billpay.core import selectors as core_selectors
from billpay.core.models import AuditEvent
from billpay.core.services import audit_record
from billpay.core.words import AUDIT_ACTIONS, audit_action
from tests.conftest import _logged_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:audit-log")
CSV = reverse("onboarding:audit-log-csv")


@pytest.fixture
def trail(company, user, accountant, other_company):
    audit_record(company=company, actor=user, action="invitation.sent", target="dee@example.com")
    audit_record(company=company, actor=accountant, action="bill.review.approved", target="INV-77")
    audit_record(company=company, actor=None, action="payment.verified", target="PAY-1")
    audit_record(company=company, actor=None, action="bills.write.create", target="INV-78")
    audit_record(company=other_company, actor=None, action="bill.created", target="SECRET-99")


def _rows(page: str) -> list[str]:
    body = page.split('id="audit-log"')[1].split("</tbody>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in body.split("<tr>")[2:]]


def test_the_owner_reads_the_trail_in_words(client_member, trail, user, accountant):
    page = client_member.get(URL).content.decode()
    rows = _rows(page)
    assert len(rows) == 4
    assert "SECRET-99" not in page  # another company's entry
    assert f"{accountant} approved the bill INV-77" in rows[2]
    assert "BillPay saw a record created in the books INV-78" in rows[0]
    assert "bill.review.approved" not in page and "bills.write.create" not in page


@pytest.mark.parametrize(
    ("params", "targets"),
    [
        ({"area": "bills"}, ["INV-77"]),
        ({"area": "books"}, ["INV-78"]),
        ({"area": "team"}, ["dee@example.com"]),
        ({"person": "auto"}, ["INV-78", "PAY-1"]),
        ({"q": "inv-7"}, ["INV-78", "INV-77"]),
        ({"area": "bills", "person": "auto"}, []),
    ],
)
def test_filters(client_member, trail, params, targets):
    rows = _rows(client_member.get(URL, params).content.decode()) if targets else []
    assert [r.rsplit(" ", 1)[-1] for r in rows] == targets
    if not targets:
        assert "Nothing matches these filters." in client_member.get(URL, params).content.decode()


def test_filter_by_person(client_member, trail, accountant):
    rows = _rows(client_member.get(URL, {"person": str(accountant.pk)}).content.decode())
    assert len(rows) == 1 and rows[0].endswith("INV-77")


@pytest.mark.parametrize(
    "params",
    [{"before": "abc"}, {"before": "-1"}, {"person": "999999"}, {"area": "<x>"}, {"q": "x" * 500}],
)
def test_hostile_filters_show_the_whole_trail(client_member, trail, params):
    response = client_member.get(URL, params)
    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == 4


def test_pages_go_back_in_time_without_gaps(client_member, company, user, monkeypatch):
    monkeypatch.setattr(core_selectors, "AUDIT_PAGE_SIZE", 3)
    for i in range(7):
        audit_record(company=company, actor=user, action="bill.note", target=f"N{i}")
    seen, params = [], {}
    for _ in range(5):
        page = client_member.get(URL, params).content.decode()
        seen += [r.rsplit(" ", 1)[-1] for r in _rows(page)]
        found = re.search(r"before=(\d+)\">[^<]*</a>", page)
        if not found:
            break
        params = {"before": found.group(1)}
    else:
        pytest.fail(f"still more pages after {seen}")
    assert seen == [f"N{i}" for i in reversed(range(7))]


@pytest.mark.parametrize("role", ["approver", "accountant", "viewer"])
def test_only_owners_and_admins_see_it(company, trail, role):
    member = MembershipFactory(company=company, role=role).user
    assert _logged_in(member, company).get(URL).status_code == 403
    assert _logged_in(member, company).get(CSV).status_code == 403
    admin = MembershipFactory(company=company, role="admin").user
    assert _logged_in(admin, company).get(URL).status_code == 200


def _csv(response, delimiter=","):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_the_csv_has_every_filtered_entry(client_member, trail, company, user):
    audit_record(company=company, actor=user, action="supplier.created", target="=HYPERLINK(1)")
    rows = _csv(client_member.get(CSV))
    assert rows[0] == ["when", "who", "action", "what", "object", "ref", "details"]
    assert len(rows) == 6
    assert rows[1][2:5] == ["supplier.created", "created a supplier", "'=HYPERLINK(1)"]
    assert all("SECRET-99" not in r for row in rows for r in row)
    only_bills = _csv(client_member.get(CSV, {"area": "bills"}))
    assert [r[4] for r in only_bills[1:]] == ["INV-77"]
    excel = _csv(client_member.get(CSV, {"format": "excel"}), delimiter=";")
    assert len(excel) == 6


def test_every_action_the_code_records_has_words():
    """A new audited action must be added to words.AUDIT_ACTIONS (or be a write to the books)."""
    source = "\n".join(p.read_text() for p in Path(settings.BASE_DIR, "billpay").rglob("*.py"))
    literal = set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', source))
    missing = {a for a in literal if a not in AUDIT_ACTIONS and ".write." not in a}
    assert literal and not missing, sorted(missing)


def test_an_unknown_action_reads_as_words_not_as_a_code():
    assert audit_action("gizmo.thingDone") == "gizmo thing done"
    assert audit_action("suppliers.write.update") == "saw a record changed in the books"
    assert AuditEvent.objects.count() == 0
