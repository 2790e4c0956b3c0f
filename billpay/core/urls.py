from django.urls import path

from billpay.core import views

app_name = "core"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/live/", views.live, name="live"),
    # Browsers ask for /favicon.ico where a page names no icon (a PDF, a JSON error page).
    path("favicon.ico", views.favicon, name="favicon"),
]
