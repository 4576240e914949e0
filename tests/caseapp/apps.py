from django.apps import AppConfig


class CaseAppConfig(AppConfig):
    name = "tests.caseapp"
    label = "caseapp"
