"""Whatever a member types into a query string or a form, no company page answers 500.

A 500 is a denial of service at best and a leak of internals at worst (an error page, a log line
with the input); hostile ids, NUL bytes, huge numbers and markup must be refused in words.
"""

import pytest

from tests.security.conftest import company_routes, concrete, logged_in

pytestmark = pytest.mark.django_db

JUNK = ["abc", "99999999999999999999", "-1\x00<x>'\"", ""]
FIELDS = [
    "bill", "supplier", "company", "account", "payment", "method", "currency", "decision", "text",
    "reason", "note", "submission_key", "form_token", "approval_threshold", "platform", "email",
    "pending_attachment", "page", "after", "before", "view", "status", "q", "sort", "next", "action",
    "lines-TOTAL_FORMS", "lines-INITIAL_FORMS", "issue_date", "due_date", "payment_date", "amount",
    "account_type", "account_name", "companyId", "connectionId", "statusCode", "errorMessage",
]  # fmt: skip


@pytest.mark.parametrize("route", company_routes())
def test_junk_input_never_makes_a_500(route, attacker):
    client = logged_in(attacker.owner, attacker.company)
    url = concrete(route, attacker.kwargs)

    errors = []
    for junk in JUNK:
        data = dict.fromkeys(FIELDS, junk)
        for method, headers in (("get", {}), ("post", {}), ("post", {"HX-Request": "true"})):
            response = getattr(client, method)(url, data, headers=headers)
            if response.status_code >= 500:
                errors.append((method, headers, junk, response.status_code))

    assert not errors, errors


def test_an_attachment_id_with_dot_segments_is_a_404(client_member, company):
    from tests.factories import BillFactory

    bill = BillFactory(company=company)

    assert client_member.get(f"/bills/{bill.pk}/attachments/../x/").status_code == 404
    assert client_member.get(f"/bills/{bill.pk}/attachments/a/../../b/").status_code == 404
