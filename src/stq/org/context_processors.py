"""The layout's context on every page: the menu, the user's current grant, the unread notifications."""

from stq.core.menu import menu_items
from stq.core.notifications import unread_count

from .selectors import primary_grant


def layout(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    # once per request: a page built from several templates rendered with the request (the enterprise page's
    # sections) would otherwise run these queries again for each of them
    cached = getattr(request, "_stq_layout", None)
    if cached is None:
        cached = request._stq_layout = {
            "menu": menu_items(request),
            "current_grant": primary_grant(user),
            "unread_notifications": unread_count(user),
        }
    return cached
