from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "stq.enterprises"
    label = "enterprises"
