from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/save/", views.toggle_saved, name="save"),
    path("articles/<slug:slug>/ask/", views.ask_question, name="ask"),
]
