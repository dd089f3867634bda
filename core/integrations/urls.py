from django.urls import path

from core.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.integrations_home, name="home"),
    path("keys/<int:key_id>/", views.key_detail, name="key"),
    path("keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
    path("webhooks/new/", views.webhook_new, name="webhook_new"),
    path("webhooks/<int:subscription_id>/", views.webhook_detail, name="webhook"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="delivery_replay"),
]
