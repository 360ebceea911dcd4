from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("feedback/sent/", views.sent, name="sent"),
    path("track/", views.track, name="track"),
    path("mine/<str:number>/", views.mine, name="mine"),
]
