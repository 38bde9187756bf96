"""registration_submit / registration_draft_save: every refusal has its code and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from exams.models import ExamSession, Registration
from exams.services import RegistrationChoice, registration_draft_save, registration_submit
from profiles.models import Attachment
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.exams import make_candidate, make_plan

pytestmark = pytest.mark.django_db


def _choice(setup: Any, subject: int = 0) -> RegistrationChoice:
    return RegistrationChoice(setup.plan.pk, setup.subjects[subject].pk, setup.session.pk)


def _code(fn: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(**kwargs)
    return caught.value


def test_submit_takes_a_seat_and_a_full_session_is_refused_with_the_seed_message(yunnan: Any) -> None:
    setup = make_plan(yunnan, capacity=1)
    first, _ = make_candidate(yunnan, "sub_first", index=11)
    second, _ = make_candidate(yunnan, "sub_second", index=12)
    with province_scope(yunnan):
        done = registration_submit(actor=first, choice=_choice(setup), pledge_accepted=True)
        assert (done.state, done.holds_seat) == (ReviewState.SUBMITTED, True)
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 1
        error = _code(registration_submit, actor=second, choice=_choice(setup), pledge_accepted=True)
        assert error.code == ErrorCode.SESSION_FULL
        assert error.message("zh") == "该场考试已无剩余座位，请选择其他考试进行报名"
        assert Registration.objects.filter(applicant=second).count() == 0


def test_refusals_in_the_order_a_candidate_meets_them(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    closed = make_plan(yunnan, open_window=False, name="已截止")
    candidate, _ = make_candidate(yunnan, "sub_cand", index=13)
    incomplete, _ = make_candidate(yunnan, "sub_incomplete", index=14, complete=False)
    with province_scope(yunnan):
        Attachment.objects.filter(profile__user=candidate, kind="id_back").delete()
        missing = _code(registration_submit, actor=candidate, choice=_choice(setup), pledge_accepted=True)
        assert missing.code == ErrorCode.PROFILE_INCOMPLETE
        assert missing.params["missing"] == ["attachment:id_back"]
        nothing = _code(registration_draft_save, actor=incomplete, choice=_choice(setup), pledge_accepted=True)
        assert nothing.code == ErrorCode.PROFILE_INCOMPLETE
        missing_items = nothing.params["missing"]
        assert isinstance(missing_items, list)
        assert "realName" in missing_items and "attachment:avatar" in missing_items
        assert _code(registration_submit, actor=candidate, choice=_choice(setup),
                     pledge_accepted=False).code == ErrorCode.PLEDGE_NOT_ACCEPTED
        assert _code(registration_submit, actor=candidate, choice=_choice(closed),
                     pledge_accepted=True).code == ErrorCode.REGISTRATION_WINDOW_CLOSED
        wrong_subject = RegistrationChoice(setup.plan.pk, setup.subjects[2].pk, setup.session.pk)
        assert _code(registration_submit, actor=candidate, choice=wrong_subject,
                     pledge_accepted=True).code == ErrorCode.SUBJECT_NOT_IN_PLAN
        wrong_session = RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, closed.session.pk)
        assert _code(registration_submit, actor=candidate, choice=wrong_session,
                     pledge_accepted=True).code == ErrorCode.SESSION_NOT_IN_PLAN
        assert Registration.objects.count() == 0
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 0


def test_one_active_registration_per_subject_and_plan(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "dup_cand", index=15)
    with province_scope(yunnan):
        draft = registration_draft_save(actor=candidate, choice=_choice(setup), pledge_accepted=True)
        assert (draft.state, draft.holds_seat) == (ReviewState.DRAFT, False)
        assert _code(registration_submit, actor=candidate, choice=_choice(setup),
                     pledge_accepted=True).code == ErrorCode.REGISTRATION_DUPLICATE
        # the database refuses a second active one even if the check were skipped
        with pytest.raises(Exception, match="one_active_registration_per_subject"):
            from django.db import transaction

            with transaction.atomic():
                Registration.objects.create(applicant=candidate, plan=setup.plan, subject=setup.subjects[0],
                                            session=setup.session, pledge_accepted_at=timezone.now())
        # another subject of the same plan is fine; the draft is submitted later and then takes its seat
        other = registration_submit(actor=candidate, choice=_choice(setup, 1), pledge_accepted=True)
        assert other.state == ReviewState.SUBMITTED
        submitted = registration_submit(actor=candidate, registration_id=draft.pk, pledge_accepted=True)
        assert (submitted.state, submitted.holds_seat) == (ReviewState.SUBMITTED, True)
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 2


def test_a_rejected_registration_is_corrected_and_resubmitted(yunnan: Any) -> None:
    from accounts.models import Role, User
    from reviews.services import review_reject
    from tests.support.auth import make_account

    setup = make_plan(yunnan, sessions=2)
    candidate, _ = make_candidate(yunnan, "re_cand", index=16)
    reviewer, _ = make_account(yunnan, username="re_site", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        other_session = ExamSession.objects.filter(plan=setup.plan).exclude(pk=setup.session.pk).get()
        registration = registration_submit(actor=candidate, choice=_choice(setup), pledge_accepted=True)
        rejected = review_reject(request_type="registration", request_id=registration.pk, actor=reviewer,
                                 opinion="请选择下午场")
        assert isinstance(rejected, Registration)
        assert (rejected.state, rejected.opinion, rejected.holds_seat) == (ReviewState.REJECTED, "请选择下午场", False)
        assert rejected.decided_at is not None
        corrected = registration_draft_save(
            actor=candidate, registration_id=registration.pk, pledge_accepted=True,
            choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, other_session.pk),
        )
        assert corrected.state == ReviewState.REJECTED
        again = registration_submit(actor=candidate, registration_id=registration.pk, pledge_accepted=True)
        assert (again.state, again.stage, again.opinion, again.session_id) == (
            ReviewState.SUBMITTED, 1, "", other_session.pk)
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 0
        assert ExamSession.objects.get(pk=other_session.pk).seats_taken == 1
