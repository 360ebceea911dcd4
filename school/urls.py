from django.urls import path

from . import views

app_name = "school"

urlpatterns = [
    path("progress/", views.heartbeat, name="heartbeat"),
    path("me/", views.my_study, name="me"),
    path(
        "videos/<int:pk>/<str:token>/<path:name>",
        views.video_file,
        name="video_file",
    ),
]
