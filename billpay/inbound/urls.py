from django.urls import path

from billpay.inbound import views

app_name = "inbound"

urlpatterns = [
    path("inbound/", views.draft_list, name="draft-list"),
    path("inbound/upload/", views.draft_upload, name="draft-upload"),
    path("inbound/<int:draft_id>/", views.draft_detail, name="draft-detail"),
    path("inbound/<int:draft_id>/discard/", views.draft_discard_view, name="draft-discard"),
    path("inbound/<int:draft_id>/dismiss/", views.draft_dismiss_view, name="draft-dismiss"),
    path("inbound/<int:draft_id>/file/", views.draft_file, name="draft-file"),
]
