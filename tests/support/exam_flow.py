"""Walk registrations through review quickly (service level) for tests that need approved ones."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from exams.models import Registration
from exams.services import RegistrationChoice, registration_submit
from reviews.services import review_approve


def approved_registration(setup: Any, candidate: User, site: User, exam: User, subject: int = 0) -> Registration:
    registration = registration_submit(
        actor=candidate,
        choice=RegistrationChoice(setup.plan.pk, setup.subjects[subject].pk, setup.session.pk),
        pledge_accepted=True,
    )
    review_approve(request_type="registration", request_id=registration.pk, actor=site)
    approved = review_approve(request_type="registration", request_id=registration.pk, actor=exam)
    assert isinstance(approved, Registration)
    return approved
