"""Two reviewers decide the same submission at the same moment — one accepts, the other returns —
against a real server (gunicorn, 2 workers x 4 threads) on committed data: exactly one decision is
recorded; the other reviewer gets 409 "已被他人处理" (or, if the first decision was already committed
when the second request read the row, 400 naming the status it is in now). Never both."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import tenant_context

from tests.committed import committed_place  # noqa: F401 - fixture
from tests.core.workflow.test_concurrent_steps import _at_once, _post
from tests.support import DEMO_TEST_PASSWORD

PAIRS = 3


def _second_leader(place):
    from tenants.models import Membership, User
    from tenants.services import membership_grant, user_create

    username = f"{place.office.slug}_street_leader2"
    user = User.objects.filter(username=username).first() or user_create(
        username=username, password=DEMO_TEST_PASSWORD, full_name="第二审核人", mobile="13800000001"
    )
    if not Membership.objects.filter(user=user, street_office=place.office).exists():
        membership_grant(user=user, role="street_leader", street_office=place.office)
    return user


def test_accept_and_return_pressed_at_once_record_one_decision(committed_place, live_url, django_db_blocker):  # noqa: F811
    from rest_framework.authtoken.models import Token

    from core.audit.models import AuditEvent
    from core.campaigns.models import Deliverable
    from core.campaigns.services import campaign_ensure
    from reports.models import Submission, SubmissionEvent
    from reports.submissions import submission_ensure

    place = committed_place
    with django_db_blocker.unblock():
        reviewers = [place.users["street_leader"], _second_leader(place)]
        tokens = [Token.objects.get_or_create(user=user)[0].key for user in reviewers]
        host = place.office.domains.get(is_primary=True).domain
        campaign = campaign_ensure(place.office.district)
        first_due = Deliverable.objects.get(phase__campaign=campaign, key="monthly_progress").due_on
        months = [f"{first_due.year + (first_due.month + i - 1) // 12}-{(first_due.month + i - 1) % 12 + 1:02d}"
                  for i in range(PAIRS)]
        with tenant_context(place.office):
            ids = []
            for month in months:
                slot = submission_ensure(kind="monthly_progress", period=month, level="community",
                                         community_id=place.community_id)
                # handed up by the community (the submit step itself is tested elsewhere)
                Submission.objects.filter(pk=slot.pk).update(status="submitted", submitted_by_name="社区主任")
                ids.append(slot.pk)
        connection.set_schema_to_public()
    base = live_url.format(host="127.0.0.1")
    try:
        outcomes = []
        for index, pk in enumerate(ids):
            steps = ["accept", "return"] if index % 2 == 0 else ["return", "accept"]
            results = _at_once([
                lambda step=step, token=token, pk=pk: _post(
                    f"{base}/api/v1/submissions/{pk}/{step}/", host, token, {"note": f"{step} 审核意见"}
                )
                for step, token in zip(steps, tokens, strict=True)
            ])
            codes = [code for code, _body in results]
            assert sorted(codes) in ([200, 400], [200, 409]), results
            winner = steps[codes.index(200)]
            loser_code, loser = next(r for r in results if r[0] != 200)
            target = "accepted" if winner == "accept" else "returned"
            if loser_code == 409:
                assert loser["code"] == "conflict" and loser["message"].startswith("已被他人处理")
                assert loser["details"]["status"] == target
            else:
                assert "当前状态为" in str(loser) and "不能办理" in str(loser)
            outcomes.append((pk, winner, target))

        with django_db_blocker.unblock(), tenant_context(place.office):
            for pk, winner, target in outcomes:
                submission = Submission.objects.get(pk=pk)
                assert submission.status == target and submission.locked == (target == "accepted")
                decisions = SubmissionEvent.objects.filter(submission=submission, step__in=["accept", "return"])
                assert [e.step for e in decisions] == [winner]
                assert AuditEvent.objects.filter(
                    action__in=["submission.accept", "submission.return"], object_id=str(pk)
                ).count() == 1
    finally:
        with django_db_blocker.unblock(), tenant_context(place.office):
            SubmissionEvent.objects.filter(submission_id__in=ids).delete()
            Submission.objects.filter(pk__in=ids).delete()
        with django_db_blocker.unblock():
            place.cleanup()
