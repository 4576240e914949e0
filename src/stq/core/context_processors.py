from stq.org.selectors import primary_grant

from .menu import menu_items
from .notifications import unread_count


def layout(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "menu": menu_items(request),
        "current_grant": primary_grant(user),
        "unread_notifications": unread_count(user),
    }
