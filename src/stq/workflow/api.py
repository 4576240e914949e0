"""The API of every case type's list and case page: one base for the lists, one response for a case.

A list is the user's one scope of the case type (`policy.visible_to`, the selector the case type registered),
newest first, narrowed by the list's one FilterSet and paginated; a case is answered re-read after the service that
changed it, in its serializer.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, status
from rest_framework.response import Response

from stq.core.api import Pagination
from stq.org import policy


class ScopedListView(generics.ListAPIView):
    """The cases of `model` the user may see, filtered by `filterset_class`. Subclasses name `model`,
    `serializer_class` and `filterset_class`, and `related()` for what their serializer reads of other rows."""

    model: type
    ordering: tuple[str, ...] = ("-created_at", "-pk")
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]

    def related(self, qs):
        return qs

    def get_queryset(self):
        return self.related(policy.visible_to(self.request.user, self.model).order_by(*self.ordering))


def detail_response(request, serializer_class, obj, code: int = status.HTTP_200_OK) -> Response:
    """The case (or any row) as `serializer_class` shows it, read afresh: the service that changed it may have
    changed more than the instance in hand."""
    obj = type(obj).objects.get(pk=obj.pk)
    return Response(serializer_class(obj, context={"request": request}).data, status=code)
