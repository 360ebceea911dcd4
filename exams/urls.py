from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("<int:pk>/", views.exam_detail, name="exam"),
    path("<int:pk>/start/", views.start, name="start"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/answer/", views.save_answer, name="answer"),
    path("attempts/<uuid:attempt_id>/submit/", views.submit, name="submit"),
    path("certificates/", views.certificate_search, name="certificate_search"),
    path(
        "certificates/<str:code>/",
        views.certificate_verify,
        name="certificate_verify",
    ),
    path("certificates/<str:code>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]

urlpatterns += [
    path("contests/", views.contest_list, name="contests"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
    path("contests/<int:pk>/board/", views.contest_board, name="contest_board"),
]

urlpatterns += [
    path("daily/", views.daily_page, name="daily"),
    path("daily/start/", views.daily_start, name="daily_start"),
    path("daily/answer/", views.daily_answer, name="daily_answer"),
]
