from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("donate/", views.donate, name="donate"),
    path("donate/thanks/", views.thanks, name="thanks"),
    path("donate/stop/<str:token>/", views.stop_monthly, name="stop_monthly"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
