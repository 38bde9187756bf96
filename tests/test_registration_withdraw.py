"""registration_withdraw: frees the seat, only before a reviewer acted; a racing approval and withdrawal
cannot both win (real threads, real row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import ExamSession, Registration
from exams.services import RegistrationChoice, registration_submit, registration_withdraw
from reviews.models import ReviewState
from reviews.services import review_approve
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_withdraw_frees_the_seat_and_is_refused_once_a_reviewer_acted(yunnan: Any) -> None:
    setup = make_plan(yunnan, capacity=3)
    candidate, _ = make_candidate(yunnan, "wd_cand", index=21)
    reviewer, _ = make_account(yunnan, username="wd_site", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    choice = RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk)
    with province_scope(yunnan):
        first = registration_submit(actor=candidate, choice=choice, pledge_accepted=True)
        withdrawn = registration_withdraw(actor=candidate, registration_id=first.pk)
        assert (withdrawn.state, withdrawn.holds_seat) == (ReviewState.WITHDRAWN, False)
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 0
        second = registration_submit(actor=candidate, choice=choice, pledge_accepted=True)
        review_approve(request_type="registration", request_id=second.pk, actor=reviewer)
        with pytest.raises(DomainError) as caught:
            registration_withdraw(actor=candidate, registration_id=second.pk)
        assert caught.value.code == ErrorCode.REVIEWER_ALREADY_ACTED
        assert Registration.objects.get(pk=second.pk).state == ReviewState.UNDER_REVIEW
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 1


@pytest.mark.parametrize("round_", range(6))
def test_a_racing_withdrawal_and_approval_cannot_both_win(yunnan: Any, round_: int) -> None:
    setup = make_plan(yunnan, capacity=3)
    candidate, _ = make_candidate(yunnan, f"race_wd_{round_}", index=30 + round_)
    reviewer, _ = make_account(yunnan, username=f"race_site_{round_}", roles=[Role.SITE_REVIEWER],
                               kind=User.Kind.STAFF)
    with province_scope(yunnan):
        registration = registration_submit(
            actor=candidate, choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk),
            pledge_accepted=True,
        )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(name: str, fn: Any) -> None:
        from django.db import connection

        try:
            with province_scope(yunnan):
                barrier.wait()
                fn()
            outcomes[name] = "ok"
        except DomainError as error:
            outcomes[name] = error.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("withdraw", lambda: registration_withdraw(
            actor=candidate, registration_id=registration.pk))),
        threading.Thread(target=attempt, args=("approve", lambda: review_approve(
            request_type="registration", request_id=registration.pk, actor=reviewer))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with province_scope(yunnan):
        final = Registration.objects.get(pk=registration.pk)
        taken = ExamSession.objects.get(pk=setup.session.pk).seats_taken
    assert sorted(outcomes.values()) in (["INVALID_STATE_TRANSITION", "ok"], ["REVIEWER_ALREADY_ACTED", "ok"])
    if outcomes["withdraw"] == "ok":
        assert (final.state, taken) == (ReviewState.WITHDRAWN, 0)
    else:
        assert (final.state, taken) == (ReviewState.UNDER_REVIEW, 1)
