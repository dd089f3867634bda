from django.urls import path

from core.inspections import views

app_name = "inspections"
urlpatterns = [
    path("my-grid/", views.my_grid_page, name="my_grid"),
    path("households/<int:household_id>/visit/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:visit_id>/photos/<int:pk>/", views.visit_photo, name="visit_photo"),
    path("needs/", views.need_ledger, name="needs"),
    path("needs/<int:pk>/status/", views.need_status_view, name="need_status"),
    path("needs/<int:pk>/reassign/", views.need_reassign_view, name="need_reassign"),
    path("problems/", views.problem_ledger, name="problems"),
    path("problems/<int:pk>/resolve/", views.problem_resolve_view, name="problem_resolve"),
    path("problems/<int:pk>/assign/", views.problem_assign_view, name="problem_assign"),
    path(
        "problems/<int:pk>/to-rectification/",
        views.problem_to_rectification_view,
        name="problem_to_rectification",
    ),
    path("coverage/", views.coverage_page, name="coverage"),
]
