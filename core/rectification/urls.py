from django.urls import path

from core.rectification import views

urlpatterns = [
    path("", views.rectification_ledger, name="rectification_ledger"),
    path("new/", views.rectification_new, name="rectification_new"),
    # a request becomes a rectification only here (the request page shows the button as a panel)
    path("from-request/<int:pk>/", views.rectification_from_request_page, name="request_to_rectification"),
    path("<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("<int:pk>/evidence/", views.rectification_evidence_add, name="rectification_evidence_add"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/", views.rectification_evidence_photo, name="rectification_photo"
    ),
    path("<int:pk>/fix/", views.rectification_fix, name="rectification_fix"),
    path("<int:pk>/<str:step>/", views.rectification_verdict, name="rectification_verdict"),
]
