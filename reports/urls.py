from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_page, name="index"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("runs/<int:pk>/download/", views.run_download, name="download"),
    path("monthly/<str:period>/", views.monthly_page, name="monthly"),
    path("submissions/", views.submissions_page, name="submissions"),
    path("submissions/<int:pk>/", views.submission_page, name="submission"),
    path("submissions/<int:pk>/<str:step>/", views.submission_step, name="submission_step"),
]
