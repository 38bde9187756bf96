"""manage.py registrations_expire: what nobody reviewed by the deadline expires and frees its seat; twice
is the same as once; decided registrations are left alone; reviewers cannot decide after the deadline."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from exams.models import ExamPlan, ExamSession, Registration
from exams.services import RegistrationChoice, registration_submit
from reviews.models import ReviewState
from reviews.services import review_approve
from tenants.context import province_scope
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers

pytestmark = pytest.mark.django_db(transaction=True)


def test_expire_frees_unreviewed_seats_once(yunnan: Any) -> None:
    setup = make_plan(yunnan, capacity=5)
    (site, _), (exam, _) = reviewers(yunnan, "ex")
    waiting, _ = make_candidate(yunnan, "ex_wait", index=51)
    halfway, _ = make_candidate(yunnan, "ex_half", index=52)
    done, _ = make_candidate(yunnan, "ex_done", index=53)
    choice = RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk)
    with province_scope(yunnan):
        a = registration_submit(actor=waiting, choice=choice, pledge_accepted=True)
        b = registration_submit(actor=halfway, choice=choice, pledge_accepted=True)
        review_approve(request_type="registration", request_id=b.pk, actor=site)
        c = approved_registration(setup, done, site, exam)
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 3
        ExamPlan.objects.filter(pk=setup.plan.pk).update(review_deadline=timezone.now() - timedelta(minutes=1),
                                                          registration_closes_at=timezone.now() - timedelta(hours=1))
        with pytest.raises(DomainError) as caught:
            review_approve(request_type="registration", request_id=a.pk, actor=site)
        assert caught.value.code == ErrorCode.REVIEW_DEADLINE_PASSED

    out = StringIO()
    call_command("registrations_expire", "yunnan", stdout=out)
    assert "yunnan: 2 registration(s) expired" in out.getvalue()
    call_command("registrations_expire", "yunnan", stdout=(again := StringIO()))
    assert "yunnan: 0 registration(s) expired" in again.getvalue()

    with province_scope(yunnan):
        states = {r.pk: (r.state, r.holds_seat) for r in Registration.objects.all()}
        assert states == {a.pk: (ReviewState.EXPIRED, False), b.pk: (ReviewState.EXPIRED, False),
                          c.pk: (ReviewState.APPROVED, True)}
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 1
        assert AuditEntry.objects.filter(action="review_expire", actor_id__isnull=True).count() == 2
