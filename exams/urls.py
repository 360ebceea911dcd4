from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("<int:pk>/", views.exam_detail, name="exam"),
    path("<int:pk>/start/", views.start, name="start"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/answer/", views.save_answer, name="answer"),
    path("attempts/<uuid:attempt_id>/submit/", views.submit, name="submit"),
]
