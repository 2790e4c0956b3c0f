"""The upload page and the drafts queue: many files at once (one refused, the others through),
limits with clear words, the list in a constant number of queries, roles and tenancy."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.core.words import phrase
from billpay.inbound.einvoice.document import Line, Refused
from billpay.inbound.models import Draft
from tests.conftest import _logged_in
from tests.factories import BillFactory, MembershipFactory, SupplierFactory
from tests.inbound.test_drafts import document, make_draft

pytestmark = pytest.mark.django_db

UBL_BYTES = b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl"/>'


def fake_parse(name, content):
    """The readers are another helper's: an <Invoice> is read, anything else refused."""
    if content.startswith(b"<?xml") and b"<Invoice" in content:
        return document(number=name.rsplit(".", 1)[0].upper())
    raise Refused("not_invoice", phrase(gettext_noop("This XML file is not an invoice.")))


@pytest.fixture
def readers():
    with mock.patch("billpay.inbound.einvoice.parse", side_effect=fake_parse) as parse:
        yield parse


def _xml(name, content=UBL_BYTES):
    return SimpleUploadedFile(name, content, "application/xml")


def test_uploading_many_files_makes_drafts_and_says_why_one_was_refused(
    client_member, company, user, readers
):
    files = [_xml("fa-1.xml"), _xml("notes.xml", b"<?xml version='1.0'?><Note/>"), _xml("fa-2.xml")]

    response = client_member.post(reverse("inbound:draft-upload"), {"files": files})

    assert response.status_code == 200
    text = response.content.decode()
    assert "This XML file is not an invoice." in text and "notes.xml" in text
    drafts = Draft.objects.filter(company=company, status=Draft.Status.OPEN).order_by("pk")
    assert [d.reference for d in drafts] == ["FA-1", "FA-2"]
    assert all(d.source == Draft.Source.UPLOAD and d.created_by == user for d in drafts)
    for d in drafts:
        assert reverse("inbound:draft-detail", args=[d.pk]) in text
    refused = Draft.objects.get(company=company, status=Draft.Status.REFUSED)
    assert refused.file_name == "notes.xml" and refused.attachment is None


def test_the_upload_page_works_without_javascript(client_member):
    response = client_member.get(reverse("inbound:draft-upload"))

    text = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' in text and "multiple" in text and 'enctype="multipart/form-data"' in text


def test_an_empty_upload_and_too_many_files_are_clear_messages(client_member, readers):
    url = reverse("inbound:draft-upload")

    empty = client_member.post(url, {})
    many = client_member.post(url, {"files": [_xml(f"f{i}.xml") for i in range(51)]})

    assert empty.status_code == 200 and "Choose at least one file." in empty.content.decode()
    assert many.status_code == 200 and "at most 50 files" in many.content.decode()
    assert not Draft.objects.exists()


def test_an_upload_too_large_is_refused_before_it_is_read(client_member, readers, settings):
    settings.INBOUND_UPLOAD_MAX_BYTES = 1000

    response = client_member.post(
        reverse("inbound:draft-upload"), {"files": [_xml("big.xml", UBL_BYTES + b" " * 2000)]}
    )

    assert response.status_code == 413
    assert "too large together" in response.content.decode()
    assert not Draft.objects.exists()


def test_the_queue_lists_open_drafts_with_what_to_check(client_member, company, user):
    known = SupplierFactory(company=company, name="Minoterie Dupont")
    make_draft(company, doc=document(number="A-1"), supplier=known, user=user)
    make_draft(
        company,
        doc=document(
            number="B-2",
            supplier="Nouveau Fournil",
            vat="",
            lines=[Line("Pain", Decimal("1"), Decimal("5.00"), Decimal("5.00"), Decimal("20"))],
            warnings=(phrase(gettext_noop("The totals do not add up.")),),
        ),
        user=user,
    )
    BillFactory(company=company, supplier=known, reference="A-1", total_amount=Decimal("180.00"))
    Draft.objects.create(
        company=company,
        source=Draft.Source.EMAIL,
        sender="compta@fournil.example",
        file_name="broken.xml",
        status=Draft.Status.REFUSED,
        problem="This XML file is not an invoice.",
        problem_i18n=phrase(gettext_noop("This XML file is not an invoice.")).to_json(),
    )

    response = client_member.get(reverse("inbound:draft-list"))

    text = response.content.decode()
    assert "Minoterie Dupont" in text and "New supplier: Nouveau Fournil" in text
    assert "$180.00" in text or "180.00" in text
    assert "1 warning" in text
    assert text.count("Possible duplicate") == 1
    assert "broken.xml" in text and "compta@fournil.example" in text
    assert text.index("B-2") < text.index("A-1")  # newest first


@pytest.mark.parametrize("count", [5, 50])
def test_the_queue_reads_in_a_constant_number_of_queries(
    client_member, company, user, count, django_assert_max_num_queries
):
    supplier = SupplierFactory(company=company)
    for i in range(count):
        make_draft(
            company, doc=document(number=f"N-{i}"), supplier=supplier, user=user, attachment=False
        )

    with django_assert_max_num_queries(14):
        response = client_member.get(reverse("inbound:draft-list"))

    assert response.status_code == 200


def test_dismissing_a_refused_file_removes_it_from_the_list(client_member, company):
    refused = Draft.objects.create(
        company=company,
        source=Draft.Source.UPLOAD,
        file_name="junk.bin",
        status=Draft.Status.REFUSED,
        problem="x",
    )

    response = client_member.post(reverse("inbound:draft-dismiss", args=[refused.pk]))

    assert response.status_code == 302
    assert not Draft.objects.filter(pk=refused.pk).exists()
    assert "junk.bin" not in client_member.get(reverse("inbound:draft-list")).content.decode()


def test_another_companys_drafts_are_never_listed_nor_opened(client_member, other_company):
    theirs = make_draft(other_company, doc=document(number="THEIRS-9", supplier="Secret Sarl"))

    listing = client_member.get(reverse("inbound:draft-list")).content.decode()

    assert "THEIRS-9" not in listing and "Secret Sarl" not in listing
    for name in ("draft-detail", "draft-discard", "draft-file"):
        assert client_member.get(reverse(f"inbound:{name}", args=[theirs.pk])).status_code == 404
    for name in ("draft-detail", "draft-discard", "draft-dismiss"):
        assert client_member.post(reverse(f"inbound:{name}", args=[theirs.pk])).status_code == 404
    assert Draft.objects.get(pk=theirs.pk).status == Draft.Status.OPEN


@pytest.mark.parametrize("bad", ["0", "99999999", "-1", "1e3", "%C2%B2"])
def test_hostile_draft_ids_are_404s(client_member, bad):
    response = client_member.get(f"/inbound/{bad}/")

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["viewer", "approver"])
def test_members_who_cannot_create_bills_cannot_use_the_queue(company, role):
    client = _logged_in(MembershipFactory(company=company, role=role).user, company)
    draft = make_draft(company)

    assert client.get(reverse("inbound:draft-list")).status_code == 403
    assert client.get(reverse("inbound:draft-upload")).status_code == 403
    assert client.post(reverse("inbound:draft-discard", args=[draft.pk])).status_code == 403
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.OPEN


def test_an_accountant_uses_the_queue(client_accountant, company):
    make_draft(company, doc=document(number="ACC-1"))

    assert "ACC-1" in client_accountant.get(reverse("inbound:draft-list")).content.decode()


def test_the_nav_links_to_the_queue_for_those_who_can_use_it(client_member):
    text = client_member.get(reverse("bills:inbox")).content.decode()

    assert reverse("inbound:draft-list") in text


def test_more_files_than_django_parses_is_a_clear_message_not_an_error_page(client_member, readers):
    response = client_member.post(
        reverse("inbound:draft-upload"), {"files": [_xml(f"f{i}.xml") for i in range(101)]}
    )

    assert response.status_code == 400
    assert "Upload at most 50 files at once." in response.content.decode()
    assert not Draft.objects.exists()


def test_an_upload_with_a_hostile_content_length_is_not_a_500(user, company):
    client = _logged_in(user, company, raise_request_exception=False)

    response = client.post(reverse("inbound:draft-upload"), {"files": []}, CONTENT_LENGTH="12abc")

    assert response.status_code < 500
