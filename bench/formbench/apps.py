from django.apps import AppConfig


class FormBenchConfig(AppConfig):
    name = "bench.formbench"
    label = "formbench"
    default_auto_field = "django.db.models.BigAutoField"
