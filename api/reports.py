"""/api/v1/reports/ (runs: create, status with progress, download), /api/v1/reports/monthly/{period}/
(narrative and sign-off) and /api/v1/submissions/ (报送 and its steps), on street and district sites."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django_tenants.utils import tenant_context
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from api.base import TenantApi
from api.pagination import Pagination
from reports import services, submissions
from reports.kinds import KINDS
from reports.models import MonthlyNarrative, ReportRun, Submission
from reports.selectors import run_get, run_list, submission_get, submission_list


class RunOut(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = ["id", "kind", "fmt", "title", "params", "status", "progress", "filename", "sha256", "size",
                  "pages", "rows", "masked", "failure", "created_by_name", "created_at", "finished_at", "download_url"]

    def get_download_url(self, obj) -> str | None:
        return f"/api/v1/reports/{obj.pk}/download/" if obj.status == ReportRun.Status.DONE else None


PaginatedRunOut = inline_serializer("PaginatedReportRunList", {
    "count": serializers.IntegerField(),
    "next": serializers.URLField(allow_null=True),
    "previous": serializers.URLField(allow_null=True),
    "results": RunOut(many=True),
})


class RunIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(KINDS))
    fmt = serializers.ChoiceField(choices=ReportRun.Format.values, default="pdf")
    first = serializers.DateField(help_text="first day of the period (local date)")
    last = serializers.DateField(help_text="last day of the period (local date)")
    community_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ReportRunListApi(TenantApi):
    """Report runs I may see (newest first); POST queues a new run and answers 202 at once."""

    required_action = "report.view"

    @extend_schema(operation_id="v1_reports_list", responses=PaginatedRunOut, parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)])
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(run_list(member=request.member), request, view=self)
        return paginator.get_paginated_response(RunOut(page, many=True).data)

    @extend_schema(
        operation_id="v1_reports_create", request=RunIn, responses={202: RunOut},
        examples=[OpenApiExample("needs ledger", value={"kind": "needs_ledger", "fmt": "pdf", "first": "2026-11-21",
                                                        "last": "2026-12-20"}, request_only=True)],
    )
    def post(self, request):
        data = self.validated(RunIn, request.data)
        run = services.report_run_create(actor=request.member, kind=data["kind"], fmt=data["fmt"], first=data["first"],
                                         last=data["last"], community_id=data.get("community_id"))
        return Response(RunOut(run).data, status=status.HTTP_202_ACCEPTED)


class ReportRunApi(TenantApi):
    """One run: status and progress (0-100), and once done the file's SHA-256 and download URL."""

    required_action = "report.view"

    @extend_schema(operation_id="v1_reports_retrieve", responses=RunOut)
    def get(self, request, pk: int):
        return Response(RunOut(run_get(member=request.member, pk=pk)).data)


class ReportRunDownloadApi(TenantApi):
    """The run's file (PDF or .xlsx); every download is audited. Header ``X-Report-SHA256``."""

    required_action = "report.view"

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="the file")})
    def get(self, request, pk: int):
        run = run_get(member=request.member, pk=pk)
        if run.status != ReportRun.Status.DONE or not run.file:
            raise Http404
        services.report_run_download(actor=request.member, run=run)
        response = FileResponse(run.file.open("rb"), as_attachment=True, filename=run.filename,
                                content_type="application/pdf" if run.fmt == "pdf" else
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Report-SHA256"] = run.sha256
        return response


class NarrativeOut(serializers.ModelSerializer):
    class Meta:
        model = MonthlyNarrative
        fields = ["period", "community_id", "narrative", "signed_off_by_name", "signed_off_at", "updated_at"]


class NarrativeIn(serializers.Serializer):
    narrative = serializers.CharField(allow_blank=True, max_length=20000)
    sign_off = serializers.BooleanField(default=False)


class MonthlyNarrativeApi(TenantApi):
    """The month's narrative (``period`` YYYY-MM) of my level; PUT saves it, ``sign_off`` signs it."""

    required_action = {"GET": "report.view", "PUT": "report.compile"}

    def _community(self, request):
        member = request.member
        return member.community_id if member.scope in ("community", "grid") else None

    @extend_schema(responses=NarrativeOut)
    def get(self, request, period: str):
        item = MonthlyNarrative.objects.filter(period=period, community_id=self._community(request)).first()
        if item is None:
            raise Http404
        return Response(NarrativeOut(item).data)

    @extend_schema(request=NarrativeIn, responses=NarrativeOut)
    def put(self, request, period: str):
        data = self.validated(NarrativeIn, request.data)
        item = services.monthly_narrative_save(actor=request.member, period=period, narrative=data["narrative"],
                                               sign_off=data["sign_off"])
        return Response(NarrativeOut(item).data)


class SubmissionOut(serializers.ModelSerializer):
    due_at = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    street = serializers.SerializerMethodField()
    run = RunOut(read_only=True, allow_null=True)

    class Meta:
        model = Submission
        fields = ["id", "street", "kind", "period", "level", "community_id", "community_name", "status", "locked",
                  "due_at", "submitted_at", "submitted_by_name", "on_time", "decided_at", "decided_by_name",
                  "return_reason", "unlock_reason", "run", "steps"]

    def get_due_at(self, obj) -> str | None:
        due = submissions.submission_due_at(obj)
        return serializers.DateTimeField().to_representation(due) if due else None

    def get_steps(self, obj) -> list[str]:
        return submissions.steps_for(self.context["member"], obj)

    def get_street(self, obj) -> str | None:
        return self.context.get("street")


class SubmissionEnsureIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(submissions.DELIVERABLE_OF))
    period = serializers.CharField(max_length=16, help_text="YYYY-MM for monthly_progress, 'inspection' for problem_ledger")
    level = serializers.ChoiceField(choices=Submission.Level.values)
    community_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class SubmissionStepIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="reason (required to return or unlock)")
    run_id = serializers.IntegerField(required=False, min_value=1, help_text="the PDF run to submit (default: the newest)")


def _street(slug: str, member):
    from tenants.models import StreetOffice

    office = StreetOffice.objects.filter(slug=slug, district=member.district).first()
    if office is None:
        raise Http404
    return office


class SubmissionListApi(TenantApi):
    """Submissions of my level (street site), or every street's submission to the district (district site).
    POST (street site) makes sure a submission slot exists and returns it."""

    required_action = {"GET": "report.view", "POST": "report.compile"}

    @extend_schema(operation_id="v1_submissions_list", responses=SubmissionOut(many=True))
    def get(self, request):
        member = request.member
        if member.street_office is not None:
            items = submission_list(member=member)
            return Response(SubmissionOut(items, many=True, context={"member": member}).data)
        from tenants.models import StreetOffice

        out = []
        for office in StreetOffice.objects.filter(district=member.district).order_by("name"):
            with tenant_context(office):
                items = list(submission_list(member=member))
                out += SubmissionOut(items, many=True, context={"member": member, "street": office.slug}).data
        return Response(out)

    @extend_schema(operation_id="v1_submissions_ensure", request=SubmissionEnsureIn, responses=SubmissionOut)
    def post(self, request):
        member = request.member
        if member.street_office is None:
            raise exceptions.MethodNotAllowed("POST")
        data = self.validated(SubmissionEnsureIn, request.data)
        community_id = data.get("community_id")
        if member.scope in ("community", "grid") and (data["level"] != "community" or community_id != member.community_id):
            raise Http404
        item = submissions.submission_ensure(kind=data["kind"], period=data["period"], level=data["level"],
                                             community_id=community_id)
        return Response(SubmissionOut(item, context={"member": member}).data)


class SubmissionApi(TenantApi):
    required_action = "report.view"

    @extend_schema(operation_id="v1_submissions_retrieve", responses=SubmissionOut)
    def get(self, request, pk: int):
        item = submission_get(member=request.member, pk=pk)
        return Response(SubmissionOut(item, context={"member": request.member}).data)


def _take_step(request, pk: int, step: str, validated: dict):
    try:  # a StepConflict (someone else acted first) answers 409 through the API's error handler
        item = submissions.submission_step(actor=request.member, submission_id=pk, step=step,
                                           note=validated.get("note", ""), run_id=validated.get("run_id"))
    except Submission.DoesNotExist:
        raise Http404 from None
    return item


class SubmissionStepApi(TenantApi):
    """Take a step: submit, return, accept, request_unlock, approve_unlock, refuse_unlock. 409 when
    someone else moved the submission first."""

    required_action = "report.view"  # each step's own action is checked by the service

    @extend_schema(request=SubmissionStepIn, responses={200: SubmissionOut, 409: OpenApiResponse(description="conflict")},
                   parameters=[OpenApiParameter("step", str, OpenApiParameter.PATH, enum=list(submissions.TRANSITIONS))])
    def post(self, request, pk: int, step: str):
        if step not in submissions.TRANSITIONS:
            raise Http404
        submission_get(member=request.member, pk=pk)  # 404 outside reach
        data = self.validated(SubmissionStepIn, request.data)
        item = _take_step(request, pk, step, data)
        return Response(SubmissionOut(item, context={"member": request.member}).data)


class DistrictSubmissionStepApi(TenantApi):
    """District site: accept or return a street's submission (``/submissions/{slug}/{id}/{step}/``)."""

    required_action = "report.approve"

    @extend_schema(request=SubmissionStepIn, responses={200: SubmissionOut, 409: OpenApiResponse(description="conflict")},
                   parameters=[OpenApiParameter("step", str, OpenApiParameter.PATH, enum=list(submissions.TRANSITIONS))])
    def post(self, request, slug: str, pk: int, step: str):
        if step not in submissions.TRANSITIONS:
            raise Http404
        office = _street(slug, request.member)
        data = self.validated(SubmissionStepIn, request.data)
        with tenant_context(office):
            submission_get(member=request.member, pk=pk)
            item = _take_step(request, pk, step, data)
            out = SubmissionOut(item, context={"member": request.member, "street": office.slug}).data
        return Response(out)


