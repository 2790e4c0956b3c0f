"""Email-in through the providers' webhooks, as Postmark and Mailgun post them, checked by
django-anymail (basic auth, Mailgun's HMAC): drafts, refusals, retries, hostile files."""

import base64
import hashlib
import hmac
import json
import time
import warnings

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from billpay.inbound.models import Draft
from billpay.inbound.services.addresses import inbound_address_get

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
EXE = b"MZ\x90\x00" + b"\0" * 60  # a program named like an invoice
BASIC = "postmark-user:s3cret-pass"
MAILGUN_KEY = "mailgun-signing-key-123"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": BASIC,
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        "BREVO_API_KEY": "brevo-api-key",
    }


@pytest.fixture
def address(company):
    return inbound_address_get(company=company).address


def _auth(credentials: str = BASIC) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def _postmark(to: str, attachments, *, message_id="<m1@supplier.example>", subject="Invoice 42"):
    """Postmark's inbound JSON (https://postmarkapp.com/developer/webhooks/inbound-webhook)."""
    return {
        "FromName": "Supplier Billing",
        "From": "billing@supplier.example",
        "FromFull": {"Email": "billing@supplier.example", "Name": "Supplier Billing"},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "CcFull": [],
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": subject,
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Date": "Tue, 1 Dec 2026 03:00:00 +0000",
        "TextBody": "Our invoice is attached.",
        "HtmlBody": "<p>Our invoice is attached.</p>",
        "Headers": [
            {"Name": "Return-Path", "Value": "<billing@supplier.example>"},
            {"Name": "Message-ID", "Value": message_id},
        ],
        "Attachments": [
            {
                "Name": name,
                "Content": base64.b64encode(content).decode(),
                "ContentType": content_type,
                "ContentLength": len(content),
                "ContentID": "",
            }
            for name, content, content_type in attachments
        ],
    }


def _post_postmark(client, payload, **auth):
    return client.post(
        reverse("inbound-webhooks:postmark"),
        json.dumps(payload),
        content_type="application/json",
        **(auth if auth else _auth()),
    )


def _post_mailgun(client, to, files, *, key=MAILGUN_KEY, auth=True):
    """Mailgun's forward() route, fully parsed (multipart, files as attachment-N), signed
    with HMAC-SHA256(signing key, timestamp + token); with WEBHOOK_SECRET set, anymail checks
    the basic auth in the route's URL too."""
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "recipient": to,
        "sender": "billing@supplier.example",
        "from": "Supplier Billing <billing@supplier.example>",
        "subject": "March invoice",
        "body-plain": "Attached.",
        "message-headers": json.dumps(
            [
                ["From", "Supplier Billing <billing@supplier.example>"],
                ["To", to],
                ["Subject", "March invoice"],
                ["Message-Id", "<mg1@supplier.example>"],
            ]
        ),
        "attachment-count": str(len(files)),
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }
    for n, (name, content, content_type) in enumerate(files, start=1):
        data[f"attachment-{n}"] = SimpleUploadedFile(name, content, content_type)
    return client.post(reverse("inbound-webhooks:mailgun"), data, **(_auth() if auth else {}))


def test_a_signed_postmark_email_becomes_drafts_with_its_files(client, company, address):
    payload = _postmark(
        address, [("scan.pdf", PDF, "application/pdf"), ("photo.png", PNG, "image/png")]
    )
    response = _post_postmark(client, payload)

    assert response.status_code == 200
    drafts = list(Draft.objects.filter(company=company).order_by("id"))
    assert [(d.file_name, d.kind, d.status) for d in drafts] == [
        ("scan.pdf", Draft.Kind.FILE, Draft.Status.OPEN),
        ("photo.png", Draft.Kind.FILE, Draft.Status.OPEN),
    ]
    first = drafts[0]
    assert first.source == Draft.Source.EMAIL
    assert first.sender == "Supplier Billing <billing@supplier.example>"
    assert first.subject == "Invoice 42"
    assert first.message_id == "m1@supplier.example"
    assert first.attachment.file.read() == PDF


def test_emailed_e_invoices_become_filled_in_drafts(client, company, address):
    from billpay.inbound import samples

    facturx, ubl = samples.standard_rate(), samples.credit_note_ubl()
    payload = _postmark(
        address, [(*facturx, "application/pdf"), (*ubl, "application/octet-stream")]
    )
    assert _post_postmark(client, payload).status_code == 200

    drafts = list(Draft.objects.filter(company=company).order_by("id"))
    assert [(d.file_name, d.kind, d.format) for d in drafts] == [
        (facturx[0], Draft.Kind.BILL, "factur-x"),
        (ubl[0], Draft.Kind.CREDIT_NOTE, "ubl"),
    ]
    assert all(d.reference and d.total_amount > 0 and d.data["lines"] for d in drafts)
    assert drafts[0].attachment.file.read() == facturx[1]


def test_a_signed_mailgun_email_becomes_drafts(client, company, address):
    response = _post_mailgun(client, address, [("invoice.pdf", PDF, "application/pdf")])

    assert response.status_code == 200
    [draft] = Draft.objects.filter(company=company)
    assert (draft.file_name, draft.kind, draft.subject) == (
        "invoice.pdf",
        Draft.Kind.FILE,
        "March invoice",
    )
    assert draft.attachment.content_type == "application/pdf"


def test_mailgun_alone_needs_only_its_signing_key(client, settings, company, address):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    response = _post_mailgun(client, address, [("invoice.pdf", PDF, "application/pdf")], auth=False)
    assert response.status_code == 200
    assert Draft.objects.filter(company=company).count() == 1
    postmark = _postmark(address, [("scan.pdf", PDF, "application/pdf")])
    assert _post_postmark(client, postmark).status_code == 404  # no basic auth set: off


def test_a_wrongly_signed_or_unsigned_post_is_refused_and_nothing_is_stored(
    client, company, address
):
    payload = _postmark(address, [("scan.pdf", PDF, "application/pdf")])
    wrong_auth = _post_postmark(client, payload, **_auth("postmark-user:guess"))
    no_auth = client.post(
        reverse("inbound-webhooks:postmark"), json.dumps(payload), content_type="application/json"
    )
    wrong_key = _post_mailgun(client, address, [("x.pdf", PDF, "application/pdf")], key="nope")

    assert (wrong_auth.status_code, no_auth.status_code, wrong_key.status_code) == (400, 400, 400)
    assert not Draft.objects.exists()


def test_with_no_secret_set_the_webhooks_are_off(client, settings, company, address):
    settings.ANYMAIL = {}
    payload = _postmark(address, [("scan.pdf", PDF, "application/pdf")])
    for name in ("postmark", "mailgun", "sendgrid", "brevo"):
        url = reverse(f"inbound-webhooks:{name}")
        assert (
            client.post(url, json.dumps(payload), content_type="application/json").status_code
            == 404
        )
    assert not Draft.objects.exists()


def test_an_unknown_address_is_dropped_with_a_200(client, company, address):
    payload = _postmark(
        "bills-zzzzzzzzzzzzzzzz@inbound.billpay.localhost", [("a.pdf", PDF, "application/pdf")]
    )
    assert _post_postmark(client, payload).status_code == 200
    assert not Draft.objects.exists()


def test_a_rotated_address_no_longer_takes_email(client, company, address, user):
    from billpay.inbound.services.addresses import inbound_address_rotate

    inbound_address_rotate(company=company, actor=user)
    payload = _postmark(address, [("a.pdf", PDF, "application/pdf")])
    assert _post_postmark(client, payload).status_code == 200
    assert not Draft.objects.exists()


def test_an_email_with_no_attachment_is_one_refused_draft_saying_so(client, company, address):
    assert _post_postmark(client, _postmark(address, [])).status_code == 200
    [draft] = Draft.objects.filter(company=company)
    assert draft.status == Draft.Status.REFUSED
    assert draft.problem_text == "The email had no invoice attached."
    assert draft.subject == "Invoice 42"


def test_a_retried_delivery_makes_no_second_draft(client, company, address):
    payload = _postmark(address, [("scan.pdf", PDF, "application/pdf")])
    no_file = _postmark(address, [], message_id="<m2@supplier.example>")
    for _ in range(2):
        assert _post_postmark(client, payload).status_code == 200
        assert _post_postmark(client, no_file).status_code == 200
    assert Draft.objects.filter(company=company).count() == 2


def test_the_same_message_id_to_another_company_is_its_own(client, company, other_company, address):
    other = inbound_address_get(company=other_company).address
    _post_postmark(client, _postmark(address, [("scan.pdf", PDF, "application/pdf")]))
    _post_postmark(client, _postmark(other, [("scan.pdf", PDF, "application/pdf")]))
    assert Draft.objects.filter(company=company).count() == 1
    assert Draft.objects.filter(company=other_company).count() == 1


def test_a_hostile_attachment_is_refused_while_the_others_go_through(
    client, company, address, settings
):
    settings.INBOUND_MAX_BYTES = 1024
    payload = _postmark(
        address,
        [
            ("invoice.pdf.exe", EXE, "application/pdf"),
            ("bomb.xml", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "application/xml"),
            ("huge.pdf", b"%PDF-" + b"0" * 2048, "application/pdf"),
            ("scan.pdf", PDF, "application/pdf"),
        ],
    )
    assert _post_postmark(client, payload).status_code == 200

    drafts = {d.file_name: d for d in Draft.objects.filter(company=company)}
    assert drafts["scan.pdf"].status == Draft.Status.OPEN
    for name in ("invoice.pdf.exe", "bomb.xml", "huge.pdf"):
        assert drafts[name].status == Draft.Status.REFUSED, name
        assert drafts[name].attachment is None and drafts[name].problem_text
    assert "larger than" in drafts["huge.pdf"].problem_text


def test_files_past_the_limit_are_refused_drafts_that_say_so(client, company, address, settings):
    settings.INBOUND_MAX_ATTACHMENTS = 2
    files = [(f"scan-{n}.pdf", PDF + bytes([n]), "application/pdf") for n in range(3)]
    assert _post_postmark(client, _postmark(address, files)).status_code == 200
    drafts = list(Draft.objects.filter(company=company).order_by("id"))
    assert [d.status for d in drafts] == [
        Draft.Status.OPEN,
        Draft.Status.OPEN,
        Draft.Status.REFUSED,
    ]
    assert "more than 2 files" in drafts[2].problem_text


def test_an_email_over_the_size_limit_is_refused_before_reading(client, company, address, settings):
    settings.INBOUND_MAX_MESSAGE_BYTES = 2000
    payload = _postmark(address, [("big.pdf", PDF + b"0" * 3000, "application/pdf")])
    assert _post_postmark(client, payload).status_code == 413
    assert not Draft.objects.exists()


def test_a_stranger_is_refused_before_the_body_is_read(client, settings, company, address):
    """Basic auth is checked first: a stranger cannot make us hold an email-sized body."""
    from unittest import mock

    from django.core.handlers.wsgi import WSGIRequest

    payload = _postmark(address, [("scan.pdf", PDF + b"0" * 5000, "application/pdf")])
    with mock.patch.object(WSGIRequest, "read", autospec=True) as read:
        response = _post_postmark(client, payload, **_auth("postmark-user:guess"))
    assert response.status_code == 400
    assert read.call_count == 0
    assert not Draft.objects.exists()


def test_a_json_email_larger_than_a_form_post_is_still_read(client, company, address, settings):
    """DATA_UPLOAD_MAX_MEMORY_SIZE is sized for forms; an emailed PDF of a few MB passes."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload = _postmark(address, [("scan.pdf", PDF + b"0" * 5000, "application/pdf")])
    assert _post_postmark(client, payload).status_code == 200
    assert Draft.objects.filter(company=company, status=Draft.Status.OPEN).count() == 1


def test_a_sendgrid_raw_email_behind_basic_auth_becomes_a_draft(client, company, address):
    """SendGrid's Inbound Parse with "Send Raw": the whole MIME message in the `email` field."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "billing@supplier.example"
    message["To"] = address
    message["Subject"] = "April invoice"
    message["Message-ID"] = "<sg1@supplier.example>"
    message.set_content("Attached.")
    message.add_attachment(PDF, "application", "pdf", filename="april.pdf")
    data = {
        "email": message.as_string(),
        "envelope": json.dumps({"to": [address], "from": "billing@supplier.example"}),
        "charsets": json.dumps({"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8"}),
    }
    url = reverse("inbound-webhooks:sendgrid")
    with pytest.warns(Warning):  # anymail no longer officially supports SendGrid
        assert client.post(url, data).status_code == 400  # no basic auth
        assert client.post(url, data, **_auth()).status_code == 200
    [draft] = Draft.objects.filter(company=company)
    assert (draft.file_name, draft.subject, draft.message_id) == (
        "april.pdf",
        "April invoice",
        "sg1@supplier.example",
    )


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_email_at_once_make_its_drafts_once(settings):
    """A provider retrying while the first delivery still runs: the advisory lock serialises
    them, and the second finds the first's drafts."""
    import threading

    from django.db import connection

    from tests.factories import CompanyFactory

    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}
    company = CompanyFactory()
    address = inbound_address_get(company=company).address
    payload = _postmark(
        address, [("scan.pdf", PDF, "application/pdf"), ("photo.png", PNG, "image/png")]
    )
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        try:
            barrier.wait()
            statuses.append(_post_postmark(Client(), payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    assert sorted(Draft.objects.filter(company=company).values_list("file_name", flat=True)) == [
        "photo.png",
        "scan.pdf",
    ]


@pytest.mark.parametrize("esp", ["postmark", "mailgun", "sendgrid", "brevo"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ("{}", "application/json"),
        ("[1]", "application/json"),
        ("a=b", "application/x-www-form-urlencoded"),
    ],
)
def test_an_unreadable_post_with_the_right_credentials_is_a_400_not_a_500(
    esp, body, content_type, company, address
):
    """A 500 would make the provider retry it for days; nothing is stored either way. (An
    empty JSON object is a readable Postmark email to nobody: dropped, 200.)"""
    client = Client(raise_request_exception=False)
    url = reverse(f"inbound-webhooks:{esp}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SendGrid's "not officially supported"
        response = client.post(url, body, content_type=content_type, **_auth())
    assert response.status_code == (200 if (esp, body) == ("postmark", "{}") else 400)
    assert not Draft.objects.exists()


def test_a_brevo_email_without_files_is_a_refused_draft(client, company, address):
    """Brevo's inbound payload (items[]); its attachments would be fetched from its API."""
    payload = {
        "items": [
            {
                "Uuid": ["5ef1a7c4-0c2e-4b8a-9d0e-2b1f7d6c1a11"],
                "MessageId": "<br1@supplier.example>",
                "Subject": "May invoice",
                "Headers": {
                    "From": "Supplier <billing@supplier.example>",
                    "To": address,
                    "Delivered-To": address,
                    "Subject": "May invoice",
                    "Message-ID": "<br1@supplier.example>",
                },
                "RawTextBody": "The invoice follows by post.",
                "Attachments": [],
            }
        ]
    }
    url = reverse("inbound-webhooks:brevo")
    assert client.post(url, payload, content_type="application/json").status_code == 400
    response = client.post(url, payload, content_type="application/json", **_auth())
    assert response.status_code == 200
    [draft] = Draft.objects.filter(company=company)
    assert (draft.status, draft.subject, draft.message_id) == (
        Draft.Status.REFUSED,
        "May invoice",
        "br1@supplier.example",
    )


def test_who_may_create_bills_is_told_once_per_email(
    client, company, address, user, accountant, enqueued, django_capture_on_commit_callbacks
):
    from billpay.notifications.models import Notification
    from billpay.notifications.services import notifications_deliver
    from tests.factories import MembershipFactory

    viewer = MembershipFactory(company=company, role="viewer").user
    payload = _postmark(address, [("scan.pdf", PDF, "application/pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        _post_postmark(client, payload)
        _post_postmark(client, payload)  # retried: nothing new, nobody told again

    sent = [kwargs for name, kwargs in enqueued if name == "notifications_deliver_task"]
    assert len(sent) == 1
    assert sent[0]["recipient_ids"] == sorted([user.pk, accountant.pk])
    notifications_deliver(**sent[0])
    told = Notification.objects.filter(company=company)
    assert {n.recipient_id for n in told} == {user.pk, accountant.pk}
    assert viewer.pk not in {n.recipient_id for n in told}
    assert told[0].message_text == (
        "An email from Supplier Billing <billing@supplier.example> arrived: "
        "check its bills before they are created."
    )


@pytest.mark.parametrize("length", ["1e9", "-5", "١٢٣", "9" * 5000])
def test_a_hostile_content_length_is_not_a_500(length, company, address):
    client = Client(raise_request_exception=False)
    payload = _postmark(address, [("scan.pdf", PDF, "application/pdf")])

    response = client.post(
        reverse("inbound-webhooks:postmark"),
        json.dumps(payload),
        content_type="application/json",
        CONTENT_LENGTH=length,
        **_auth(),
    )

    assert response.status_code < 500
