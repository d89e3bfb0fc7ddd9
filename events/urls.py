from django.urls import include, path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("calendar.ics", views.feed_ics, name="feed_ics"),
    path("cancel/<str:token>/", views.rsvp_cancel_view, name="rsvp_cancel"),
    path("my-sessions/", views.my_sessions_request, name="my_sessions_request"),
    path("my-sessions/<str:token>/", views.my_sessions, name="my_sessions"),
    path("my-sessions/<str:token>/<uuid:uid>.ics", views.my_session_ics, name="my_session_ics"),
    path("calling/", include("events.phonebank.urls")),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/signed-up/", views.signed_up, name="signed_up"),
    path("<slug:slug>/calendar.ics", views.detail_ics, name="detail_ics"),
]
