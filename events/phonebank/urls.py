from django.urls import re_path

from events.phonebank import views

app_name = "phonebank"

# A calling token is a sign-up's uid and its signature ("<32 hex>:<signature>"), so a
# session whose slug is "calling" keeps its own pages.
urlpatterns = [
    re_path(r"^(?P<token>[0-9a-f]{32}:[\w-]+)/$", views.caller_screen, name="caller"),
]
