from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "stq.collection"
    label = "collection"

    def ready(self):
        from . import (  # noqa: F401
            sections,  # the enterprise page's "Information collections" section
            selectors,  # registers the duplicate source and the visibility selector
            workflow,  # binds the workflow to InfoCollection, registers the policy actions
        )
