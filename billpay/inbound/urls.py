from django.urls import path

from billpay.inbound import views, webhooks

app_name = "inbound"

urlpatterns = [
    path("inbound/", views.draft_list, name="draft-list"),
    path("inbound/upload/", views.draft_upload, name="draft-upload"),
    path("inbound/address/new/", views.inbound_address_new, name="address-new"),
    path("inbound/<int:draft_id>/", views.draft_detail, name="draft-detail"),
    path("inbound/<int:draft_id>/discard/", views.draft_discard_view, name="draft-discard"),
    path("inbound/<int:draft_id>/dismiss/", views.draft_dismiss_view, name="draft-dismiss"),
    path("inbound/<int:draft_id>/file/", views.draft_file, name="draft-file"),
]

# Email-in, mounted at /webhooks/inbound/ by billpay/urls.py (no session: each provider's
# signature or basic auth is checked by django-anymail).
webhook_urlpatterns = [
    path("postmark/", webhooks.postmark, name="postmark"),
    path("mailgun/", webhooks.mailgun, name="mailgun"),
    path("sendgrid/", webhooks.sendgrid, name="sendgrid"),
    path("brevo/", webhooks.brevo, name="brevo"),
]
