from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("me/", views.account_home, name="home"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("profile/", views.reviewer_profile, name="profile"),
    path("saved/<int:pk>/", views.saved_article_update, name="saved"),
    path("my-data.json", views.export_data, name="export"),
    path("delete/", views.delete_account, name="delete"),
]
