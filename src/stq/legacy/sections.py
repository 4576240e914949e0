"""The "Records of the previous system STQ01" section of the enterprise page."""

from django.utils.translation import gettext_lazy as _

from stq.enterprises.sections import register_section

from .selectors import records_of_enterprise


def _context(request, enterprise) -> dict:
    qs = records_of_enterprise(enterprise)
    return {"legacy_records": list(qs[:50]), "legacy_total": qs.count()}


register_section("legacy", _("Records of the previous system STQ01"), "legacy/enterprise_section.html", _context,
                 order=80)
