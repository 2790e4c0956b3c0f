from django.urls import path

from billpay.recurring import views

app_name = "recurring"
urlpatterns = [
    path("recurring/", views.recurring_list, name="recurring-list"),
    path("recurring/new/", views.recurring_new, name="recurring-new"),
    # the form's live preview of the next twelve dates (htmx)
    path("recurring/preview/", views.recurring_preview, name="recurring-preview"),
    path("recurring/<int:template_id>/", views.recurring_detail, name="recurring-detail"),
    path("recurring/<int:template_id>/edit/", views.recurring_edit, name="recurring-edit"),
    path("recurring/<int:template_id>/pause/", views.recurring_pause, name="recurring-pause"),
    path("recurring/<int:template_id>/resume/", views.recurring_resume, name="recurring-resume"),
]
