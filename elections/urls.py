from django.urls import path

from . import views

app_name = "elections"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.ballot, name="ballot"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/results/", views.results, name="results"),
]
