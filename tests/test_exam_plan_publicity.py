"""plan_publicity and the per-plan 公示期 (issue 14, point 10): the public list of those who passed (name
masked, ticket number, subject) while the plan's period runs; certificate application waits for the plan's
own period, the setting being only the default."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from certificates.selectors import certificate_applicable
from certificates.services import certificate_eligibility, publicity_ends_at
from core.errors import ErrorCode
from exams.models import ExamPlan, Registration
from exams.selectors import plan_publicity
from exams.services import exam_plan_results_publish, exam_plan_update
from profiles.models import CandidateProfile
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

PUBLICITY = """query($p: ID!) { examPlanPublicity(planId: $p) { isOpen startsAt endsAt
    entries { nameMasked ticketNumber subjectName } } }"""


def _scene(yunnan: Any) -> dict[str, Any]:
    setup = make_plan(yunnan)
    (site, _), (exam, _) = reviewers(yunnan, "pb")
    admin, _ = make_account(yunnan, username="pb_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    passed, _ = make_candidate(yunnan, "pb_pass", index=531)
    failed, _ = make_candidate(yunnan, "pb_fail", index=532)
    with province_scope(yunnan):
        CandidateProfile.objects.filter(user=passed).update(real_name="张三明")
        good = approved_registration(setup, passed, site, exam)
        bad = approved_registration(setup, failed, site, exam)
        recorded = timezone.now() - timedelta(days=1)
        Registration.objects.filter(pk=good.pk).update(score=Decimal("80"), score_recorded_at=recorded)
        Registration.objects.filter(pk=bad.pk).update(score=Decimal("40"), score_recorded_at=recorded)
        good.refresh_from_db()
    return {"setup": setup, "admin": admin, "good": good}


@pytest.mark.django_db(transaction=True)
def test_the_public_list_shows_who_passed_masked_during_the_plans_period(asgi_server: LiveServer,
                                                                         yunnan: Any) -> None:
    # given a plan with one pass and one fail, a 10-day publicity period, results not yet published
    scene = _scene(yunnan)
    plan_id = gid("ExamPlan", "yunnan", scene["setup"].plan.pk)

    def read() -> dict[str, Any]:
        _, body = post_graphql(asgi_server.http_url(), PUBLICITY, host="yunnan.localhost", variables={"p": plan_id})
        assert "errors" not in body, body
        return body["data"]["examPlanPublicity"]

    assert read() == {"isOpen": False, "startsAt": None, "endsAt": None, "entries": []}
    with province_scope(yunnan):
        exam_plan_update(actor=scene["admin"], plan_id=scene["setup"].plan.pk, publicity_days=10)
        plan = exam_plan_results_publish(actor=scene["admin"], plan_id=scene["setup"].plan.pk)
    # when anyone (no login) reads the list during the period
    shown = read()
    # then only the pass is listed, name masked, with ticket number and subject
    assert shown["isOpen"] is True
    assert shown["entries"] == [{"nameMasked": "张*明", "ticketNumber": scene["good"].ticket_number,
                                 "subjectName": scene["setup"].subjects[0].name}]
    assert plan.results_published_at is not None
    # and after the period the list is closed
    with province_scope(yunnan):
        ExamPlan.objects.filter(pk=plan.pk).update(results_published_at=timezone.now() - timedelta(days=11))
    assert read()["isOpen"] is False and read()["entries"] == []


@pytest.mark.django_db
def test_certificate_application_waits_for_the_plans_own_period(yunnan: Any, settings: Any) -> None:
    settings.CERTIFICATE_PUBLICITY_DAYS = 7
    scene = _scene(yunnan)
    with province_scope(yunnan):
        registration = Registration.objects.select_related("plan").get(pk=scene["good"].pk)
        recorded = registration.score_recorded_at
        assert recorded is not None
        # the setting is the default
        assert publicity_ends_at(registration) == recorded + timedelta(days=7)
        # the plan's own days win, and the period starts at publication when that came later
        exam_plan_update(actor=scene["admin"], plan_id=registration.plan_id, publicity_days=20)
        plan = exam_plan_results_publish(actor=scene["admin"], plan_id=registration.plan_id)
        registration = Registration.objects.select_related("plan").get(pk=scene["good"].pk)
        assert plan.results_published_at is not None
        assert publicity_ends_at(registration) == plan.results_published_at + timedelta(days=20)
        assert plan_publicity(plan_id=plan.pk) is not None


@pytest.mark.django_db
def test_no_certificate_is_applicable_before_the_results_are_published(yunnan: Any) -> None:
    scene = _scene(yunnan)
    with province_scope(yunnan):
        registration = Registration.objects.select_related("plan", "subject").get(pk=scene["good"].pk)
        candidate = registration.applicant
        assert certificate_eligibility(registration=registration).refusal == ErrorCode.SCORES_NOT_PUBLISHED
        assert certificate_applicable(actor=candidate) == []
        exam_plan_results_publish(actor=scene["admin"], plan_id=registration.plan_id)
        assert [e.registration.pk for e in certificate_applicable(actor=candidate)] == [registration.pk]
