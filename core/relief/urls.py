from django.urls import path

from core.relief import views

app_name = "relief"
urlpatterns = [
    path("", views.case_board, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/step/<str:step>/", views.case_step, name="case_step"),
    path("cases/<int:pk>/district/<str:step>/", views.case_district_decide, name="case_district"),
    path("cases/<int:pk>/evidence/", views.case_evidence, name="case_evidence"),
    path("cases/<int:pk>/extend/", views.case_extend, name="case_extend"),
    path("cases/<int:pk>/evidence/<int:evidence_id>/image/", views.evidence_image, name="evidence_image"),
    path("materials/<int:pk>/confirmation/", views.material_confirmation, name="material_confirmation"),
    path("holidays/visits/<int:pk>/confirmation/", views.holiday_confirmation, name="holiday_confirmation"),
    path("materials/", views.material_ledger, name="materials"),
    path("materials/out/", views.material_out, name="material_out"),
    path("materials/<int:pk>/reverse/", views.material_reverse, name="material_reverse"),
    path("materials/diversion/", views.material_diversion, name="diversion"),
    path("payments/", views.payment_board, name="payments"),
    path("payments/export/", views.payment_export, name="payment_export"),
    path("patrols/", views.patrol_board, name="patrols"),
    path("patrols/new/", views.patrol_new, name="patrol_new"),
    path("holidays/", views.holiday_board, name="holidays"),
    path("holidays/<int:pk>/", views.holiday_detail, name="holiday"),
    path("holidays/targets/<int:pk>/visit/", views.holiday_visit, name="holiday_visit"),
]
