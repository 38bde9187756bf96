"""profile_update / mutation profileUpdate: basic and extended info, GB 11643 ID numbers, several errors at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError
from core.selectors import audit_entries_for
from profiles.models import CandidateProfile
from profiles.services import profile_update
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.profiles import mainland_id

MALE_ID = mainland_id(birth=date(1988, 6, 15), sequence="131")
FEMALE_ID = mainland_id(birth=date(1992, 2, 29), sequence="246")


def codes(call: Any, **kwargs: Any) -> set[tuple[str, str | None]]:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    errors = getattr(caught.value, "errors", [caught.value])
    return {(error.code.value, error.field) for error in errors}


@pytest.fixture
def candidate(yunnan: Any) -> Iterator[User]:
    with province_scope(yunnan):
        user, _ = make_account(yunnan, username="candidate_a", roles=[Role.CANDIDATE])
        yield user


@pytest.mark.django_db
def test_given_valid_basic_and_extended_info_when_updated_then_stored_normalised_and_audited(candidate: User) -> None:
    # When: a lower-case x, "+86" and a group name without 族 are given, birth date and gender are not
    profile = profile_update(
        user=candidate,
        actor=candidate,
        changes={
            "real_name": " 张三 ",
            "id_type": "mainland_id",
            "id_number": MALE_ID.lower(),
            "phone": "+86 138-0013-8000",
            "employer": "  昆明公交集团  ",
            "years_in_city_transport": 12,
            "ethnicity": "彝",
            "education": "junior_college",
            "home_address": "云南省昆明市五华区",
            "professional_title": "工程师",
            "postcode": "650031",
        },
    )
    # Then
    stored = CandidateProfile.objects.get(pk=profile.pk)
    assert stored.real_name == "张三"
    assert stored.id_number == MALE_ID
    assert (stored.birth_date, stored.gender) == (date(1988, 6, 15), "male")  # taken from the ID number
    assert stored.phone == "13800138000"
    assert stored.employer == "昆明公交集团"
    assert stored.ethnicity == "彝族"
    assert (stored.years_in_city_transport, stored.education, stored.postcode) == (12, "junior_college", "650031")
    entry = audit_entries_for(target_type="profiles.candidateprofile", target_id=str(profile.pk)).get()
    assert entry.action == "profile_update" and entry.actor_id == candidate.pk
    assert "idNumber" in entry.data["fields"]
    assert MALE_ID not in str(entry.data)  # field names only, no personal data in the audit trail


@pytest.mark.django_db
def test_given_several_bad_fields_when_updated_then_every_error_is_reported_and_nothing_changes(
    candidate: User,
) -> None:
    # Given
    profile_update(user=candidate, actor=candidate, changes={"real_name": "李四", "postcode": "650000"})
    # When / Then
    found = codes(
        profile_update,
        user=candidate,
        actor=candidate,
        changes={
            "real_name": "李四四",
            "id_number": FEMALE_ID,
            "birth_date": date(1992, 3, 1),
            "gender": "male",
            "ethnicity": "火星族",
            "postcode": "65003",
            "phone": "12345678901",
            "years_in_city_transport": 99,
        },
    )
    assert found == {
        ("ID_NUMBER_BIRTH_DATE_MISMATCH", "birthDate"),
        ("ID_NUMBER_GENDER_MISMATCH", "gender"),
        ("ETHNICITY_INVALID", "ethnicity"),
        ("POSTCODE_INVALID", "postcode"),
        ("PHONE_INVALID", "phone"),
        ("INVALID_INPUT", "yearsInCityTransport"),
    }
    stored = CandidateProfile.objects.get(user=candidate)
    assert (stored.real_name, stored.id_number, stored.postcode) == ("李四", "", "650000")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id_number": MALE_ID[:-1] + ("0" if MALE_ID[-1] != "0" else "1")}, ("ID_NUMBER_INVALID", "idNumber")),
        ({"id_number": "53010219900101"}, ("ID_NUMBER_INVALID", "idNumber")),
        ({"id_number": MALE_ID, "birth_date": date(1988, 6, 16)}, ("ID_NUMBER_BIRTH_DATE_MISMATCH", "birthDate")),
        ({"id_number": MALE_ID, "gender": "female"}, ("ID_NUMBER_GENDER_MISMATCH", "gender")),
        ({"education": "kindergarten"}, ("INVALID_INPUT", "education")),
        ({"birth_date": date(2999, 1, 1), "id_type": "passport"}, ("INVALID_INPUT", "birthDate")),
        ({"real_name": "X"}, ("REAL_NAME_INVALID", "realName")),
        ({"postcode": "６５００３１"}, ("POSTCODE_INVALID", "postcode")),
        ({"id_type": "passport", "id_number": "E12-345"}, ("ID_NUMBER_INVALID", "idNumber")),
    ],
)
def test_given_one_bad_field_when_updated_then_its_code(
    candidate: User, changes: dict[str, object], expected: tuple[str, str]
) -> None:
    assert codes(profile_update, user=candidate, actor=candidate, changes=changes) == {expected}


@pytest.mark.django_db
def test_given_a_stored_mainland_id_when_only_the_gender_changes_then_it_must_still_agree(candidate: User) -> None:
    profile_update(user=candidate, actor=candidate, changes={"id_number": FEMALE_ID})
    assert codes(profile_update, user=candidate, actor=candidate, changes={"gender": "male"}) == {
        ("ID_NUMBER_GENDER_MISMATCH", "gender")
    }
    assert CandidateProfile.objects.get(user=candidate).gender == "female"


@pytest.mark.django_db
def test_given_a_passport_when_updated_then_birth_date_and_gender_are_taken_as_given(candidate: User) -> None:
    profile = profile_update(
        user=candidate,
        actor=candidate,
        changes={"id_type": "passport", "id_number": "e12345678", "birth_date": date(1979, 5, 4), "gender": "female"},
    )
    assert (profile.id_number, profile.birth_date, profile.gender) == ("E12345678", date(1979, 5, 4), "female")


@pytest.mark.django_db
def test_given_an_id_number_of_another_profile_when_updated_then_id_number_taken(yunnan: Any, candidate: User) -> None:
    other, _ = make_account(yunnan, username="candidate_b", roles=[Role.CANDIDATE])
    profile_update(user=other, actor=other, changes={"id_number": MALE_ID})
    assert codes(profile_update, user=candidate, actor=candidate, changes={"id_number": MALE_ID}) == {
        ("ID_NUMBER_TAKEN", "idNumber")
    }


@pytest.mark.django_db
def test_given_a_verified_identity_when_the_name_changes_then_verification_is_reset(candidate: User) -> None:
    profile_update(user=candidate, actor=candidate, changes={"real_name": "王五", "id_number": MALE_ID})
    CandidateProfile.objects.filter(user=candidate).update(verification=CandidateProfile.Verification.VERIFIED)
    profile_update(user=candidate, actor=candidate, changes={"employer": "滇池客运"})
    assert CandidateProfile.objects.get(user=candidate).verification == "verified"  # not an identity field
    profile_update(user=candidate, actor=candidate, changes={"real_name": "王六"})
    assert CandidateProfile.objects.get(user=candidate).verification == "unverified"


@pytest.mark.django_db
def test_given_someone_else_or_a_non_candidate_when_updating_then_permission_denied(
    yunnan: Any, candidate: User
) -> None:
    other, _ = make_account(yunnan, username="candidate_c", roles=[Role.CANDIDATE])
    reviewer, _ = make_account(yunnan, username="reviewer_a", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    for actor, user in ((other, candidate), (reviewer, reviewer)):
        assert codes(profile_update, user=user, actor=actor, changes={"employer": "x"}) == {
            ("PERMISSION_DENIED", None)
        }
    assert not CandidateProfile.objects.filter(user__in=[candidate, reviewer]).exists()


@pytest.mark.django_db
def test_given_an_unknown_field_when_updated_then_programming_error(candidate: User) -> None:
    with pytest.raises(ValueError, match="verification"):
        profile_update(user=candidate, actor=candidate, changes={"verification": "verified"})


# ------------------------------------------------------------------------------- through the server

MUTATION = """
mutation ($input: ProfileUpdateInput!) {
  profileUpdate(input: $input) {
    profile { realName idNumber gender birthDate ethnicity education postcode lockedFields
              completeness { complete missing } }
    errors { code field message }
  }
}
"""


@pytest.mark.django_db(transaction=True)
def test_given_the_api_when_profile_update_is_called_then_saved_or_errors_as_data(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    _, token = make_account(yunnan, username="candidate_api", roles=[Role.CANDIDATE])
    url, host, auth = asgi_server.http_url(), "yunnan.localhost", {"Authorization": f"Bearer {token}"}

    # When: a valid update
    status, body = post_graphql(
        url,
        MUTATION,
        host=host,
        headers=auth,
        variables={
            "input": {"realName": "赵六", "idNumber": FEMALE_ID, "ethnicity": "汉族", "education": "BACHELOR"}
        },
    )
    # Then
    assert status == 200, body
    payload = body["data"]["profileUpdate"]
    assert payload["errors"] == []
    assert payload["profile"]["gender"] == "FEMALE" and payload["profile"]["birthDate"] == "1992-02-29"
    assert payload["profile"]["completeness"]["missing"] == [
        "phone",
        "employer",
        "yearsInCityTransport",
        "attachment:avatar",
        "attachment:id_front",
        "attachment:id_back",
    ]

    # When: two bad fields, in English
    status, body = post_graphql(
        url,
        MUTATION,
        host=host,
        headers={**auth, "Accept-Language": "en"},
        variables={"input": {"postcode": "abc", "gender": "MALE"}},
    )
    # Then
    errors = body["data"]["profileUpdate"]["errors"]
    assert {(e["code"], e["field"]) for e in errors} == {
        ("POSTCODE_INVALID", "postcode"),
        ("ID_NUMBER_GENDER_MISMATCH", "gender"),
    }
    assert all(e["message"] for e in errors)

    # When: no token at all
    status, body = post_graphql(url, MUTATION, host=host, variables={"input": {"postcode": "650000"}})
    # Then: a top-level error
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
