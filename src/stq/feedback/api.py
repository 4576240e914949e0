"""API: /api/v1/change-requests/ (list with filters, create), /{id}/ (read), /{id}/comments/ (add a comment),
/{id}/status/ (set the status: accepted, done, declined, received)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer
from stq.core.limits import NOTE_MAX
from stq.org.models import Unit
from stq.workflow.api import ScopedListView, detail_response

from . import selectors, services
from .filters import ChangeRequestFilter
from .models import ChangeRequest, ChangeRequestComment

WF = ChangeRequest.workflow
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ChangeRequestComment
        fields = ["id", "author", "text", "created_at"]


class ChangeRequestSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    handling_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    state_label = serializers.SerializerMethodField()
    comments = CommentSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = ["id", "number", "unit", "proposed_by", "proposed_on", "function_name", "proposed_change", "reason",
                  "state", "state_label", "status_note", "handling_unit", "version", "created_at", "comments",
                  "history"]

    def get_state_label(self, obj) -> str:
        return WF.state_label(obj.state)

    def get_history(self, obj) -> list[dict]:
        return [{"action": e.action, "from": e.from_state, "to": e.to_state, "note": e.note,
                 "actor": e.actor.username if e.actor else None, "at": e.created_at.isoformat()}
                for e in obj.events()]


class ChangeRequestInSerializer(serializers.Serializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(),
                                        help_text="code of the proposing unit (where you hold a role)")
    function_name = serializers.CharField(max_length=255)
    proposed_change = serializers.CharField()
    reason = serializers.CharField()
    proposed_on = serializers.DateField(required=False)


class CommentInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_MAX)


class StatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ChangeRequest.State.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    version = serializers.IntegerField(required=False, help_text="the version you read (optimistic concurrency)")


def _out(request, case, code=status.HTTP_200_OK):
    return detail_response(request, ChangeRequestSerializer, case, code)


class ChangeRequestListView(ScopedListView):
    """The central PCA unit's handlers see every unit's requests; others their units' and their own."""

    model = ChangeRequest
    ordering = ("-proposed_on", "-pk")
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilter
    queryset = ChangeRequest.objects.none()  # the model for the schema: its filters documented, hence checked

    def related(self, qs):
        return qs.prefetch_related("comments__author")

    @extend_schema(request=ChangeRequestInSerializer, responses={201: ChangeRequestSerializer, **ERRORS})
    def post(self, request):
        data = ChangeRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.change_request_create(actor=request.user, **data.validated_data)
        return _out(request, case, status.HTTP_201_CREATED)


class ChangeRequestDetailView(APIView):
    @extend_schema(responses={200: ChangeRequestSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return _out(request, selectors.access_change_request(request.user, pk))


class ChangeRequestCommentView(APIView):
    @extend_schema(request=CommentInSerializer, responses={201: CommentSerializer, **ERRORS})
    def post(self, request, pk: int):
        case = selectors.access_change_request(request.user, pk)
        data = CommentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.change_request_comment(actor=request.user, change_request=case,
                                                  text=data.validated_data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class ChangeRequestStatusView(APIView):
    @extend_schema(request=StatusInSerializer, responses={200: ChangeRequestSerializer, **ERRORS},
                   description="Set the status (central PCA unit only). 409 when that status cannot follow the "
                               "current one; 400 when a reason is required (declined, reopened) and missing.")
    def post(self, request, pk: int):
        case = selectors.access_change_request(request.user, pk)
        data = StatusInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = services.change_request_set_status(actor=request.user, change_request=case, status=v["status"],
                                                  note=v.get("note", ""), expected_version=v.get("version"))
        return _out(request, case)
