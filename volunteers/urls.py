from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/thanks/", views.join_thanks, name="join_thanks"),
    path("join/confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("preferences/<str:token>/erase/", views.erase, name="erase"),
    path("preferences/<str:token>/copy/", views.data_copy_request, name="data_copy_request"),
    path("my-data/<str:token>/", views.data_copy, name="data_copy"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
