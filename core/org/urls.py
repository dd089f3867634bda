from django.urls import path

from core.org import views

app_name = "org"
urlpatterns = [
    path("", views.org_index, name="index"),
    path("communities/new/", views.community_edit, name="community_new"),
    path("communities/<int:pk>/edit/", views.community_edit, name="community_edit"),
    path("communities/<int:pk>/hotline/", views.community_hotline, name="community_hotline"),
    path("grids/new/", views.grid_edit, name="grid_new"),
    path("grids/<int:pk>/edit/", views.grid_edit, name="grid_edit"),
    path("buildings/new/", views.building_edit, name="building_new"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("people/", views.member_place, name="place"),
]
