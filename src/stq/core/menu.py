"""The left menu, by subsystem. An entry appears once its app provides the URL it names."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: object
    url_name: str
    icon: str


MENU = [
    MenuEntry("home", _("My work"), "home", "◎"),
    MenuEntry("enterprises", _("Enterprises"), "enterprises:list", "▦"),
    MenuEntry("collection", _("Information collection"), "collection:list", "✎"),
    MenuEntry("audits", _("Audits"), "audits:case_list", "⚖"),
    MenuEntry("declarations", _("Declarations"), "declarations:list", "☰"),
    MenuEntry("risk", _("Risk"), "risk:index", "⚠"),
    MenuEntry("reports", _("Reports"), "reports:index", "▤"),
    MenuEntry("legacy", _("STQ01 records"), "legacy:index", "▣"),
    MenuEntry("administration", _("Administration"), "org:admin_home", "⚙"),
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
        items.append({"key": entry.key, "label": entry.label, "url": url, "icon": entry.icon,
                      "active": request.path == url or (url != "/" and request.path.startswith(url))})
    return items
