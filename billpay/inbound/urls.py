from django.urls import path

from billpay.inbound import webhooks

# Email-in, mounted at /webhooks/inbound/ by billpay/urls.py (no session: each provider's
# signature or basic auth is checked by django-anymail).
webhook_urlpatterns = [
    path("postmark/", webhooks.postmark, name="postmark"),
    path("mailgun/", webhooks.mailgun, name="mailgun"),
    path("sendgrid/", webhooks.sendgrid, name="sendgrid"),
    path("brevo/", webhooks.brevo, name="brevo"),
]
