"""个人信息变更 (issue 14 point 5; seed 003 二 1.2 and 五): a holder corrects the name, ID number, gender or
birth date printed on a certificate only through a reviewed request; approval updates profile, certificate
and public record together; a rejection is corrected and resubmitted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role, User
from certificates.models import Certificate, CertificateCategory, PersonalDataChange
from certificates.services import certificate_create, personal_data_change_request
from core.errors import DomainError, ErrorCode
from profiles.models import CandidateProfile
from registry.models import CertificateRecord
from reviews.models import ReviewState
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import assessor, upload_documents
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.profiles import mainland_id

HOST = "yunnan.localhost"
OLD_ID = mainland_id(birth=date(1988, 3, 4), sequence="131")  # male
NEW_ID = mainland_id(birth=date(1988, 4, 3), sequence="242")  # female
REQUEST = """
mutation($i: PersonalDataChangeInput!) {
  personalDataChangeRequest(input: $i) {
    request { id state ... on PersonalDataChange { oldRealName newRealName newIdNumber newGender newBirthDate } }
    errors { code field }
  }
}"""
APPROVE = "mutation($id: ID!) { reviewApprove(requestId: $id, opinion: \"核对无误\") { errors { code } } }"
REJECT = "mutation($id: ID!) { reviewReject(requestId: $id, opinion: \"请上传身份证\") { errors { code } } }"
CERTIFICATES = """{ myCertificates { edges { node {
  holderName holderIdNumber holderGender holderBirthDate status validity
} } } }"""
VERIFY = "query($n: String!) { certificateVerify(number: $n) { holderName idNumber } }"


def _holder(tenant: Any, username: str) -> tuple[User, str, Certificate]:
    user, token = make_account(tenant, username=username, roles=[Role.CANDIDATE], id_number=OLD_ID)
    with province_scope(tenant):
        CandidateProfile.objects.create(user=user, real_name="张三明", id_number=OLD_ID, gender="male",
                                        birth_date=date(1988, 3, 4), ethnicity="汉族", employer="昆明公交集团",
                                        years_in_city_transport=5)
        category, _ = CertificateCategory.objects.get_or_create(code="GJB", defaults={"name": "城市公共汽车"})
        certificate = certificate_create(holder=user, category=category, holder_name="张三明",
                                         holder_id_number=OLD_ID, employer="昆明公交集团", actor=None)
    return user, token, certificate


def _call(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.mark.django_db(transaction=True)
def test_rejected_corrected_resubmitted_and_approved_updates_everything_together(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given a holder whose certificate prints a wrong ID number (and so gender and birth date)
    holder, token, certificate = _holder(yunnan, "pdc_holder")
    _, reviewer = make_account(yunnan, username="pdc_assess", roles=[Role.ASSESSMENT_AUTHORITY])
    # When the holder files the correction with the new number only
    filed = _call(asgi_server, token, REQUEST, i={"newIdNumber": NEW_ID})["personalDataChangeRequest"]
    # Then it waits for review with gender and birth date derived from the new number
    assert filed["errors"] == []
    assert filed["request"]["state"] == "SUBMITTED"
    assert filed["request"] | {"id": None} == {
        "id": None, "state": "SUBMITTED", "oldRealName": "张三明", "newRealName": "", "newIdNumber": NEW_ID,
        "newGender": "FEMALE", "newBirthDate": "1988-04-03",
    }
    request_id = filed["request"]["id"]
    # and nothing changed yet
    shown = _call(asgi_server, token, CERTIFICATES)["myCertificates"]["edges"][0]["node"]
    assert shown["holderIdNumber"] == OLD_ID

    # When the reviewer rejects it, the holder corrects it (the name too, with a document) and resubmits
    assert _call(asgi_server, reviewer, REJECT, id=request_id)["reviewReject"]["errors"] == []
    [document] = upload_documents(yunnan, holder, "other")
    again = _call(asgi_server, token, REQUEST, i={
        "newIdNumber": NEW_ID, "newRealName": "张三敏", "requestId": request_id,
        "documentIds": [gid("Document", yunnan, document)], "reason": "身份证号码登记错误",
    })["personalDataChangeRequest"]
    assert again["errors"] == [] and again["request"]["state"] == "SUBMITTED"
    assert again["request"]["id"] == request_id
    # and the reviewer approves
    assert _call(asgi_server, reviewer, APPROVE, id=request_id)["reviewApprove"]["errors"] == []

    # Then the certificate prints the corrected data
    shown = _call(asgi_server, token, CERTIFICATES)["myCertificates"]["edges"][0]["node"]
    assert shown == {"holderName": "张三敏", "holderIdNumber": NEW_ID, "holderGender": "FEMALE",
                     "holderBirthDate": "1988-04-03", "status": "valid", "validity": "有效"}
    # the profile and the bound login name agree
    with province_scope(yunnan):
        profile = CandidateProfile.objects.get(user=holder)
        assert (profile.real_name, profile.id_number, profile.gender, profile.birth_date) == (
            "张三敏", NEW_ID, "female", date(1988, 4, 3))
        assert User.objects.get(pk=holder.pk).id_number == NEW_ID
    # and the public record shows the new (masked) data
    verified = _call(asgi_server, token, VERIFY, n=certificate.number)["certificateVerify"]
    assert verified == {"holderName": "张*敏", "idNumber": NEW_ID[:4] + "*" * 10 + NEW_ID[-4:]}
    with national_scope():
        assert CertificateRecord.objects.get(number=certificate.number).holder_name_masked == "张*敏"


@pytest.mark.django_db
def test_refusals(yunnan: Any, storage_root: Path) -> None:
    holder, _, _certificate = _holder(yunnan, "pdc_refusals")
    with province_scope(yunnan):
        # Nothing to correct
        with pytest.raises(DomainError) as caught:
            personal_data_change_request(actor=holder, new_real_name="张三明")
        assert caught.value.code == ErrorCode.PERSONAL_DATA_UNCHANGED
        # A gender the new number contradicts
        with pytest.raises(DomainError) as caught:
            personal_data_change_request(actor=holder, new_id_number=NEW_ID, new_gender="male")
        assert (caught.value.code, caught.value.field) == (ErrorCode.ID_NUMBER_GENDER_MISMATCH, "newGender")
        # A number another account uses
        other = User.objects.create(username="pdc_other", roles=[Role.CANDIDATE], id_number=NEW_ID)
        with pytest.raises(DomainError) as caught:
            personal_data_change_request(actor=holder, new_id_number=NEW_ID)
        assert caught.value.code == ErrorCode.ID_NUMBER_TAKEN
        other.delete()
        # One open request at a time
        first = personal_data_change_request(actor=holder, new_real_name="张三敏")
        assert first.state == ReviewState.SUBMITTED
        with pytest.raises(DomainError) as caught:
            personal_data_change_request(actor=holder, new_real_name="张三")
        assert caught.value.code == ErrorCode.REQUEST_ALREADY_PENDING
        # The locked profile fields still refuse a direct edit
        from profiles.services import profile_update

        with pytest.raises(DomainError) as caught:
            profile_update(user=holder, actor=holder, changes={"real_name": "张三敏"})
        assert caught.value.errors[0].code == ErrorCode.PROFILE_FIELD_ON_CERTIFICATE  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_without_a_valid_certificate_there_is_nothing_to_correct(yunnan: Any, storage_root: Path) -> None:
    holder, _, certificate = _holder(yunnan, "pdc_none")
    with province_scope(yunnan):
        Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.CANCELLED)
        with pytest.raises(DomainError) as caught:
            personal_data_change_request(actor=holder, new_real_name="张三敏")
        assert caught.value.code == ErrorCode.CERTIFICATE_NOT_FOUND
        assert not PersonalDataChange.objects.exists()


@pytest.mark.django_db
def test_approval_is_one_transaction_a_taken_number_refuses_it_whole(yunnan: Any, storage_root: Path) -> None:
    from reviews.services import review_approve

    holder, _, certificate = _holder(yunnan, "pdc_atomic")
    reviewer = assessor(yunnan, "pdc_atomic_a")
    with province_scope(yunnan):
        request = personal_data_change_request(actor=holder, new_id_number=NEW_ID, new_real_name="张三敏")
        # Meanwhile another account takes the number
        User.objects.create(username="pdc_taker", roles=[Role.CANDIDATE], id_number=NEW_ID)
        with pytest.raises(DomainError):
            review_approve(request_type="personal_data_change", request_id=request.pk, actor=reviewer)
        # Then nothing changed anywhere
        assert PersonalDataChange.objects.get(pk=request.pk).state == ReviewState.SUBMITTED
        assert Certificate.objects.get(pk=certificate.pk).holder_name == "张三明"
        assert CandidateProfile.objects.get(user=holder).real_name == "张三明"
