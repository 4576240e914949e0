"""The "Information collections" section of the enterprise page (the enterprises app's extension point)."""

from django.utils.translation import gettext_lazy as _

from stq.enterprises.sections import register_section

from .selectors import info_collections_of_enterprise


def _context(request, enterprise) -> dict:
    qs = info_collections_of_enterprise(request.user, enterprise).order_by("-created_at")
    return {"collections": list(qs[:20]), "collections_total": qs.count()}


register_section("collections", _("Information collections"), "collection/enterprise_section.html", _context,
                 order=40)
