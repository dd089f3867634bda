from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_page, name="index"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("runs/<int:pk>/download/", views.run_download, name="download"),
    path("submissions/", views.district_submissions_page, name="district_submissions"),
    path("submissions/<slug:slug>/<int:pk>/<str:step>/", views.district_submission_step, name="district_submission_step"),
    path("streets/<slug:slug>/runs/<int:pk>/download/", views.district_run_download, name="district_download"),
]
