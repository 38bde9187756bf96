"""profile_lock_fields / profile_unlock_fields: data printed on a certificate changes only by a change request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError
from core.selectors import audit_entries_for
from profiles.models import CandidateProfile
from profiles.selectors import certificate_locked_fields
from profiles.services import profile_lock_fields, profile_unlock_fields, profile_update
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.profiles import mainland_id

pytestmark = pytest.mark.django_db

ID_NUMBER = mainland_id(birth=date(1980, 8, 8), sequence="011")


@pytest.fixture
def holder(yunnan: Any) -> Iterator[User]:
    with province_scope(yunnan):
        user, _ = make_account(yunnan, username="holder_a", roles=[Role.CANDIDATE])
        profile_update(
            user=user, actor=user, changes={"real_name": "孙七", "id_number": ID_NUMBER, "employer": "昆明公交集团"}
        )
        yield user


def test_given_no_certificate_when_asked_then_nothing_is_locked(holder: User) -> None:
    assert certificate_locked_fields(user=holder) == set()


def test_given_locked_fields_when_changed_then_refused_pointing_to_the_change_request(holder: User) -> None:
    # Given: a certificate prints name, ID number and employer
    profile_lock_fields(user=holder, fields=["real_name", "id_number", "employer"], reason="certificate:YN-0001")
    # When: the holder changes the employer and the name, and the postcode (free) in one call
    with pytest.raises(DomainError) as caught:
        profile_update(
            user=holder, actor=holder, changes={"employer": "别的公司", "real_name": "孙八", "postcode": "650000"}
        )
    # Then: both locked fields are refused, and nothing changed (not even the free field)
    errors = {(e.code.value, e.field) for e in getattr(caught.value, "errors", [caught.value])}
    assert errors == {("PROFILE_FIELD_ON_CERTIFICATE", "employer"), ("PROFILE_FIELD_ON_CERTIFICATE", "realName")}
    profile = CandidateProfile.objects.get(user=holder)
    assert (profile.employer, profile.real_name, profile.postcode) == ("昆明公交集团", "孙七", "")


def test_given_locked_fields_when_resubmitted_unchanged_then_accepted(holder: User) -> None:
    profile_lock_fields(user=holder, fields=["real_name", "employer"], reason="certificate:YN-0001")
    profile = profile_update(
        user=holder, actor=holder, changes={"real_name": "孙七", "employer": "昆明公交集团", "postcode": "650000"}
    )
    assert profile.postcode == "650000"


def test_given_a_locked_employer_when_changed_through_a_certificate_change_then_allowed(
    yunnan: Any, holder: User
) -> None:
    reviewer, _ = make_account(yunnan, username="assess_a", roles=[Role.ASSESSMENT_AUTHORITY], kind=User.Kind.STAFF)
    profile_lock_fields(user=holder, fields=["employer"], reason="certificate:YN-0001")
    profile = profile_update(
        user=holder, actor=reviewer, changes={"employer": "滇池客运"}, through_certificate_change=True
    )
    assert profile.employer == "滇池客运"
    entry = audit_entries_for(target_type="profiles.candidateprofile", target_id=str(profile.pk)).first()
    assert entry is not None and entry.actor_id == reviewer.pk and entry.data["certificateChange"] is True


def test_given_two_certificates_when_one_is_unlocked_then_the_other_still_locks(holder: User) -> None:
    profile_lock_fields(user=holder, fields=["real_name", "employer"], reason="certificate:YN-0001")
    profile_lock_fields(user=holder, fields=["real_name"], reason="certificate:YN-0002")
    profile_lock_fields(user=holder, fields=["real_name"], reason="certificate:YN-0002")  # idempotent

    assert profile_unlock_fields(user=holder, reason="certificate:YN-0001") == 2
    assert certificate_locked_fields(user=holder) == {"real_name"}
    assert profile_update(user=holder, actor=holder, changes={"employer": "滇池客运"}).employer == "滇池客运"

    assert profile_unlock_fields(user=holder, reason="certificate:YN-0002") == 1
    assert profile_update(user=holder, actor=holder, changes={"real_name": "孙八"}).real_name == "孙八"


def test_given_a_field_that_is_not_printed_when_locked_then_programming_error(holder: User) -> None:
    with pytest.raises(ValueError, match="lock known fields"):
        profile_lock_fields(user=holder, fields=["postcode"], reason="certificate:YN-0001")


def test_given_a_candidate_when_claiming_a_certificate_change_then_permission_denied(holder: User) -> None:
    profile_lock_fields(user=holder, fields=["employer"], reason="certificate:YN-0001")
    with pytest.raises(DomainError) as caught:
        profile_update(user=holder, actor=holder, changes={"employer": "别的公司"}, through_certificate_change=True)
    assert caught.value.code.value == "PERMISSION_DENIED"
    assert CandidateProfile.objects.get(user=holder).employer == "昆明公交集团"
