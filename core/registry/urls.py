from django.urls import path

from core.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_index, name="households"),
    path("new/", views.household_new, name="household_new"),
    path("<int:pk>/", views.household_detail, name="household"),
    path("<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("<int:household_id>/persons/new/", views.person_new, name="person_new"),
    path("<int:pk>/deactivate/", views.household_deactivate_view, name="household_deactivate"),
    path("<int:pk>/reactivate/", views.household_reactivate_view, name="household_reactivate"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/deactivate/", views.person_deactivate_view, name="person_deactivate"),
    path("persons/<int:pk>/reactivate/", views.person_reactivate_view, name="person_reactivate"),
    path("persons/<int:pk>/full-id/", views.person_full_id, name="person_full_id"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("import/", views.roster_import_page, name="import"),
    path("import/template.xlsx", views.roster_template, name="import_template"),
    path("import/<int:pk>/", views.roster_import_run_page, name="import_run"),
]
