from django.urls import path

from billpay.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/count/", views.notification_count, name="count"),
]
