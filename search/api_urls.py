from django.urls import path

from search import views

app_name = "api"

urlpatterns = [
    path("search", views.api_search, name="search"),
]
