from django.urls import path

from core.requests import views

urlpatterns = [
    path("", views.request_board, name="request_board"),
    path("new/", views.request_new, name="request_new"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/assign/", views.request_assign, name="request_assign"),
    path("<int:pk>/<str:step>/", views.request_step, name="request_step"),
]
