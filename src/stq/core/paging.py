"""Pages over very large tables (declarations: tens of millions of rows) that never count past a cap.

An exact ``COUNT(*)`` of a broad search costs a scan of everything that matches (≈ 0.1–0.5 s per million rows
here) on every page view, and nobody pages through 10,000 rows: they narrow the search. So the count is that of
the first ``cap + 1`` matching rows in the list's order (an index walk that stops early); past the cap the page
says "more than …" and the last reachable page is ``cap / per_page``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import LimitOffsetPagination

COUNT_CAP = 10_000


def capped_count(queryset, cap: int) -> tuple[int, bool]:
    """(min(count, cap), whether more rows match)."""
    n = queryset[: cap + 1].count()
    return min(n, cap), n > cap


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or COUNT_CAP
        self.more = False  # set by `count`: more rows match than were counted

    @cached_property
    def count(self) -> int:
        n, self.more = capped_count(self.object_list, self.cap)
        return n


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """The API's ``count`` is exact up to ``COUNT_CAP``; ``COUNT_CAP`` means "that many or more", and offsets past
    it return an empty page (narrow the search instead)."""

    default_limit = 50

    def get_count(self, queryset) -> int:
        return capped_count(queryset, COUNT_CAP)[0]
