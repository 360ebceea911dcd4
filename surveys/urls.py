from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.answer, name="answer"),
    path("<int:pk>/done/", views.done, name="done"),
    path("<int:pk>/results/", views.results, name="results"),
]
