from django.urls import path

from . import views

app_name = "mailbox"

urlpatterns = [
    path("", views.write, name="index"),
    path("write/", views.write, name="write"),
    path("sent/", views.sent, name="sent"),
    path("track/", views.track, name="track"),
    path("mine/<str:number>/", views.my_letter, name="my_letter"),
    path("track/rate/", views.rate, name="rate"),
    path("track/follow-up/", views.follow_up, name="follow_up"),
    path("letters/", views.published_letters, name="published"),
    path("letters/<uuid:public_id>/", views.published_letter, name="published_letter"),
    path("board/", views.board, name="board"),
    path("board/new/", views.board_post, name="board_post"),
    path("board/mine/", views.board_mine, name="board_mine"),
    path("board/<int:pk>/", views.board_message, name="board_message"),
    path("board/<int:pk>/report/", views.board_report, name="board_report"),
    path("board/<int:pk>/appeal/", views.board_appeal, name="board_appeal"),
]
