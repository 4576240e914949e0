"""The left menu, by subsystem. An entry appears once its app provides the URL it names, and only to a user who may
open it (`allowed`: the dotted path of a function of the user, the same check the entry's view makes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: object
    url_name: str
    icon: str
    allowed: str = ""


MENU = [
    MenuEntry("home", _("My work"), "home", "◎"),
    MenuEntry("enterprises", _("Enterprises"), "enterprises:list", "▦"),
    MenuEntry("collection", _("Information collection"), "collection:list", "✎"),
    MenuEntry("audits", _("Audits"), "audits:case_list", "⚖"),
    MenuEntry("declarations", _("Declarations"), "declarations:list", "☰"),
    MenuEntry("risk", _("Risk"), "risk:index", "⚠", "stq.risk.policy.may_view"),
    MenuEntry("reports", _("Reports"), "reports:index", "▤", "stq.reports.selectors.may_see_reports"),
    MenuEntry("legacy", _("STQ01 records"), "legacy:index", "▣", "stq.legacy.policy.may_import"),
    MenuEntry("administration", _("Administration"), "org:admin_home", "⚙", "stq.org.selectors.may_administer"),
    MenuEntry("feedback", _("Change requests"), "feedback:list", "✉"),
    MenuEntry("help", _("Help"), "help:index", "?"),
]


def menu_items(request) -> list[dict]:
    items = []
    for entry in MENU:
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        if entry.allowed and not import_string(entry.allowed)(request.user):
            continue
        items.append({"key": entry.key, "label": entry.label, "url": url, "icon": entry.icon,
                      "active": request.path == url or (url != "/" and request.path.startswith(url))})
    return items
