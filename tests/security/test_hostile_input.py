"""Whatever a member types into a query string or a form, no company page answers 500.

A 500 is a denial of service at best and a leak of internals at worst (an error page, a log line
with the input); hostile ids, NUL bytes, huge numbers and markup must be refused in words.
"""

import pytest

pytestmark = pytest.mark.django_db

# The walk of every URL pattern with hostile values for every field lives in
# test_hostile_walk.py (it replaced a sweep of company routes with four junk values here).


def test_an_attachment_id_with_dot_segments_is_a_404(client_member, company):
    from tests.factories import BillFactory

    bill = BillFactory(company=company)

    assert client_member.get(f"/bills/{bill.pk}/attachments/../x/").status_code == 404
    assert client_member.get(f"/bills/{bill.pk}/attachments/a/../../b/").status_code == 404
