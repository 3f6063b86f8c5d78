from django.urls import path

from leads import views

app_name = "leads"
urlpatterns = [
    path("enquiry/", views.enquiry, name="enquiry"),
    path("form-token/", views.form_token, name="form_token"),
    path("thank-you/", views.thank_you, name="thank_you"),
]
