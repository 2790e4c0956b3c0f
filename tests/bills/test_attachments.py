import pytest
from django.urls import reverse

from billpay.codat.errors import CodatAuthError, CodatNotFoundError, CodatTransientError
from billpay.codat.schemas import Attachment
from tests.factories import BillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

INVOICE = Attachment(id="a1", name="invoice.pdf", content_type="application/pdf", file_size=2048)


def _list(client, bill, **extra):
    return client.get(reverse("bills:bill-attachments", args=[bill.pk]), **extra)


def _download(client, bill, attachment_id="a1"):
    return client.get(reverse("bills:bill-attachment-download", args=[bill.pk, attachment_id]))


@pytest.fixture
def bill(company):
    return BillFactory(company=company, codat_bill_id="codat-bill-9")


def test_attachments_page_lists_the_bills_attachments_with_download_links(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.list_bill_attachments.return_value = [INVOICE]

    response = _list(client_member, bill)

    assert response.status_code == 200
    content = response.content.decode()
    assert "invoice.pdf" in content
    assert "PDF, 2.0\xa0KB" in content
    assert f'href="{reverse("bills:bill-attachment-download", args=[bill.pk, "a1"])}"' in content


def test_attachments_are_read_for_the_companys_connection_and_the_bill(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.list_bill_attachments.return_value = []

    _list(client_member, bill)

    attachments_codat.list_bill_attachments.assert_called_once_with(
        company_id="codat-company-1", connection_id="codat-connection-1", bill_id="codat-bill-9"
    )


def test_a_bill_without_attachments_says_so(client_member, connected, attachments_codat, bill):
    attachments_codat.list_bill_attachments.return_value = []

    response = _list(client_member, bill)

    assert "No attachments." in response.content.decode()


def test_attachments_htmx_request_gets_only_the_list(
    connected, attachments_codat, bill, htmx_client
):
    attachments_codat.list_bill_attachments.return_value = [INVOICE]

    response = _list(htmx_client, bill)

    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="bill-attachments"')
    assert "invoice.pdf" in content


def test_attachments_vary_on_the_htmx_header(client_member, connected, attachments_codat, bill):
    attachments_codat.list_bill_attachments.return_value = []

    response = _list(client_member, bill)

    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (CodatTransientError("x"), "isn&#x27;t responding right now"),
        (CodatAuthError("x"), "needs to be re-authorised"),
    ],
    ids=["transient", "auth"],
)
def test_a_codat_error_shows_a_readable_message_not_a_500(
    client_member, connected, attachments_codat, bill, error, message
):
    attachments_codat.list_bill_attachments.side_effect = error

    response = _list(client_member, bill)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "No attachments." not in response.content.decode()


def test_a_codat_error_over_htmx_is_swapped_in_as_a_message(
    connected, attachments_codat, bill, htmx_client
):
    attachments_codat.list_bill_attachments.side_effect = CodatTransientError("x")

    response = _list(htmx_client, bill)

    assert response.status_code == 200
    assert "isn&#x27;t responding right now" in response.content.decode()


def test_attachments_of_a_company_without_a_connection_ask_to_connect(
    client_member, attachments_codat, bill
):
    response = _list(client_member, bill)

    assert "Connect your accounting software first." in response.content.decode()
    attachments_codat.factory.assert_not_called()


def test_downloading_an_attachment_returns_the_file(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.get_bill_attachment.return_value = INVOICE
    attachments_codat.download_bill_attachment.return_value = b"%PDF-1.7 bytes"

    response = _download(client_member, bill)

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 bytes"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    attachments_codat.download_bill_attachment.assert_called_once_with(
        company_id="codat-company-1",
        connection_id="codat-connection-1",
        bill_id="codat-bill-9",
        attachment_id="a1",
    )


def test_an_attachment_without_a_name_or_type_downloads_as_octet_stream(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.get_bill_attachment.return_value = Attachment(id="a1")
    attachments_codat.download_bill_attachment.return_value = b"bytes"

    response = _download(client_member, bill)

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="attachment-a1"'


@pytest.mark.parametrize(
    "name",
    ['in"voice.pdf', "line\r\nSet-Cookie: x=1", "Rechnung-für-März.pdf"],
    ids=["quote", "newline", "non-ascii"],
)
def test_an_attachment_with_an_awkward_name_still_downloads(
    client_member, connected, attachments_codat, bill, name
):
    attachments_codat.get_bill_attachment.return_value = Attachment(id="a1", name=name)
    attachments_codat.download_bill_attachment.return_value = b"bytes"

    response = _download(client_member, bill)

    assert response.status_code == 200
    assert response.content == b"bytes"
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert "\n" not in response["Content-Disposition"]
    assert "Set-Cookie" not in response


def test_a_non_ascii_attachment_name_is_sent_as_utf8(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.get_bill_attachment.return_value = Attachment(
        id="a1", name="Rechnung für März.pdf"
    )
    attachments_codat.download_bill_attachment.return_value = b"bytes"

    response = _download(client_member, bill)

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Rechnung%20f%C3%BCr%20M%C3%A4rz.pdf"
    )


def test_downloading_a_missing_attachment_goes_back_to_the_bill_with_a_message(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.get_bill_attachment.side_effect = CodatNotFoundError("x")

    response = client_member.get(
        reverse("bills:bill-attachment-download", args=[bill.pk, "gone"]), follow=True
    )

    assert response.redirect_chain == [(reverse("bills:bill-detail", args=[bill.pk]), 302)]
    assert "couldn&#x27;t find this in your accounting software" in response.content.decode()


def test_downloading_during_a_codat_outage_shows_a_readable_message(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.get_bill_attachment.return_value = INVOICE
    attachments_codat.download_bill_attachment.side_effect = CodatTransientError("x")

    response = _download(client_member, bill)

    assert response.status_code == 302
    assert response.url == reverse("bills:bill-detail", args=[bill.pk])
