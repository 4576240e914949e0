from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "stq.collection"
    label = "collection"

    def ready(self):
        from . import (
            sections,  # noqa: F401  (the enterprise page's "Information collections" section)
            selectors,  # noqa: F401  (registers the duplicate source and the visibility selector)
        )
