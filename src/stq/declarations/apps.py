from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "stq.declarations"
    label = "declarations"
