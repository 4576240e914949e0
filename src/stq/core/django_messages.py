"""Django's own messages whose Vietnamese reading STQ corrects (Django's catalogue has "…bằng với 10 ." with a stray
space and a stilted "Đảm bảo giá trị này"). Listed here so that `makemessages` keeps them in core's catalogue, which
Django reads before its own."""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
]
