"""Email-in: django-anymail's inbound webhooks (one URL per provider) and the signal handler
that turns each email into drafts for the company it was sent to.

Each provider's webhook is off (404) until its secret is set: the basic-auth providers
(Postmark, SendGrid, Brevo) need ANYMAIL["WEBHOOK_SECRET"], Mailgun its signing key, Brevo
its API key too (its webhook downloads the attachments from Brevo's API). Unset,
anymail would accept anyone's posts (with a warning), and a forged email would become drafts.
The email is read inline, not in a task: the provider has already sent us every byte, the
files are bounded (INBOUND_MAX_MESSAGE_BYTES, INBOUND_MAX_ATTACHMENTS, INBOUND_MAX_BYTES) and
read in well under a second each, and a retried delivery (a timeout) makes no second draft.
"""

from __future__ import annotations

import logging
from io import BytesIO

from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailError,
    AnymailWebhookValidationFailure,
)
from anymail.signals import inbound
from anymail.utils import get_request_basic_auth
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from billpay.core.parsing import content_length
from billpay.inbound import notices
from billpay.inbound.email import message_id_of, message_recipients, message_sender
from billpay.inbound.models import Draft
from billpay.inbound.services.addresses import companies_for_recipients
from billpay.inbound.services.emails import inbound_email_ingest

logger = logging.getLogger(__name__)


# What anymail raises on a post it cannot read (not JSON, fields missing or of the wrong type,
# or a tracking event posted to the inbound URL).
_UNREADABLE = (
    AnymailError,
    AnymailConfigurationError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
)


class _UnreadableIs400:
    """A post anymail cannot check or read is a 400 (logged by django.security), not a 500:
    a 500 would make the provider retry it for days. Errors in turning a read email into
    drafts (the signal handler) stay 500s, so the provider retries those."""

    def run_validators(self, request):
        try:
            super().run_validators(request)
        except AnymailWebhookValidationFailure:
            raise
        except _UNREADABLE as error:
            raise AnymailWebhookValidationFailure(f"Unreadable {self.esp_name} post") from error

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except _UNREADABLE as error:
            raise AnymailWebhookValidationFailure(f"Unreadable {self.esp_name} post") from error


class PostmarkInbound(_UnreadableIs400, PostmarkInboundWebhookView):
    pass


class MailgunInbound(_UnreadableIs400, MailgunInboundWebhookView):
    pass


class SendGridInbound(_UnreadableIs400, SendGridInboundWebhookView):
    pass


class BrevoInbound(_UnreadableIs400, BrevoInboundWebhookView):
    pass


def _inbound_view(view_class, *secrets: str, read_body: bool = True):
    """anymail's view, when the settings it checks posts with are set; else a 404.

    `read_body`: the view reads the whole body (Postmark's and Brevo's JSON carries the files
    in base64; SendGrid's view reads its multipart body too): read it here under our own limit,
    as DATA_UPLOAD_MAX_MEMORY_SIZE (sized for forms) would refuse an email with a PDF. Mailgun's
    files come as multipart uploads, streamed by Django as usual.
    """
    view = view_class.as_view()

    @csrf_exempt
    @login_not_required
    def inbound_webhook(request, *args, **kwargs):
        if not all(settings.ANYMAIL.get(name) for name in secrets):
            raise Http404
        length = content_length(request)
        if length > settings.INBOUND_MAX_MESSAGE_BYTES:
            logger.warning("Inbound email refused: %s bytes is over the limit", length)
            return HttpResponse(status=413)
        if read_body and request.method == "POST":
            _check_basic_auth_first(request)  # before reading a big body for a stranger
            body = request.read(settings.INBOUND_MAX_MESSAGE_BYTES + 1)
            if len(body) > settings.INBOUND_MAX_MESSAGE_BYTES:
                return HttpResponse(status=413)
            request._body, request._stream = body, BytesIO(body)
        return view(request, *args, **kwargs)

    return inbound_webhook


def _check_basic_auth_first(request) -> None:
    """The same check anymail makes (it makes it again), done before the body is read."""
    allowed = settings.ANYMAIL.get("WEBHOOK_SECRET")
    if not allowed:
        return
    given = get_request_basic_auth(request) or ""
    if not any(constant_time_compare(given, a) for a in _as_list(allowed)):
        raise AnymailWebhookValidationFailure("Missing or invalid basic auth (inbound email)")


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


postmark = _inbound_view(PostmarkInbound, "WEBHOOK_SECRET")
sendgrid = _inbound_view(SendGridInbound, "WEBHOOK_SECRET")
brevo = _inbound_view(BrevoInbound, "WEBHOOK_SECRET", "BREVO_API_KEY")
mailgun = _inbound_view(MailgunInbound, "MAILGUN_WEBHOOK_SIGNING_KEY", read_body=False)


@receiver(inbound, dispatch_uid="billpay.inbound.webhooks.email_received")
def email_received(sender, event, esp_name: str, **kwargs) -> None:
    """A checked email from a provider: drafts for each company it is addressed to.

    An unknown address is dropped (logged, and answered 200 so the provider does not retry it
    forever). An error here answers 500: the provider retries, and the retry makes no duplicate.
    """
    message = event.message
    companies = companies_for_recipients(message_recipients(message))
    if not companies:
        logger.info("Inbound email from %s to no known address: dropped", esp_name)
        return
    fallback = f"{esp_name}:{event.event_id}" if event.event_id else ""
    message_id = message_id_of(message, fallback=fallback)
    for company in companies:
        outcome = inbound_email_ingest(
            company=company, message=message, source=Draft.Source.EMAIL, message_id=message_id
        )
        notices.drafts_emailed(company, outcome, sender=message_sender(message))
        logger.info(
            "Inbound email for company %s: %s drafts, %s refused, %s already in",
            company.pk,
            len(outcome.drafts),
            len(outcome.refused),
            len(outcome.already),
        )
