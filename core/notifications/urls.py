from django.urls import path

from core.notifications import views

urlpatterns = [
    path("", views.inbox, name="notifications"),
    path("read/", views.inbox_mark_read, name="notifications_read"),
]
