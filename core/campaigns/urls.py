from django.urls import path

from core.campaigns import views

district_urlpatterns = [
    path("campaign/", views.campaign_settings, name="campaign_settings"),
    path("campaign/phases/<int:pk>/", views.phase_save, name="campaign_phase_save"),
    path("campaign/deliverables/<int:pk>/", views.deliverable_save, name="campaign_deliverable_save"),
    path("campaign/calendar/", views.calendar_page, name="campaign_calendar"),
    path("campaign/progress/", views.progress_page, name="campaign_progress"),
]
street_urlpatterns = [
    path("campaign/", views.street_campaign, name="street_campaign"),
    path("campaign/checks/<int:pk>/done/", views.street_check_done, name="street_check_done"),
    path("campaign/sla/", views.street_sla_save, name="street_sla_save"),
]
