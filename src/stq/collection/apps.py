from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "stq.collection"
    label = "collection"
