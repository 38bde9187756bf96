"""certificate_change_request (证书变更) within the province: new region and employer, resigned or not, with
proofs; approval changes the employer on the certificate, the profile (through the change path) and the
national registry; a rejection shows result, time and opinion and can be corrected and resubmitted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from certificates.models import Certificate, CertificateChange
from certificates.services import certificate_change_request
from core.errors import DomainError, ErrorCode
from profiles.models import CandidateProfile
from registry.models import CertificateRecord
from reviews.models import ReviewState
from reviews.services import review_approve, review_reject
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import assessor, holder_with_certificate, upload_documents

pytestmark = pytest.mark.django_db


def _change(yunnan: Any, holder: Any, certificate: Certificate, docs: list[int], **extra: Any) -> CertificateChange:
    fields: dict[str, Any] = {"new_region": "云南省曲靖市", "new_employer": "曲靖公交集团", "resigned": True}
    fields.update(extra)
    with province_scope(yunnan):
        return certificate_change_request(actor=holder, certificate_id=certificate.pk, document_ids=docs, **fields)


def test_proofs_are_required_for_leaving_and_for_joining(yunnan: Any, storage_root: Path) -> None:
    holder, certificate = holder_with_certificate(yunnan, "change_proofs", index=121)
    joining = upload_documents(yunnan, holder, "proof_of_joining")
    leaving = upload_documents(yunnan, holder, "proof_of_leaving")
    with pytest.raises(DomainError) as caught:
        _change(yunnan, holder, certificate, joining)
    assert (caught.value.code, caught.value.params["missing"]) == (ErrorCode.MATERIALS_MISSING, ["proof_of_leaving"])
    with pytest.raises(DomainError) as caught:
        _change(yunnan, holder, certificate, leaving)
    assert caught.value.params["missing"] == ["proof_of_joining"]
    # Same employer, not resigned: only the region changes, no proof needed
    same = _change(yunnan, holder, certificate, [], new_employer=certificate.employer, resigned=False)
    assert same.state == ReviewState.SUBMITTED


def test_unknown_province_and_empty_fields_are_refused(yunnan: Any, storage_root: Path) -> None:
    holder, certificate = holder_with_certificate(yunnan, "change_bad", index=122)
    docs = upload_documents(yunnan, holder, "proof_of_leaving", "proof_of_joining")
    with pytest.raises(DomainError) as caught:
        _change(yunnan, holder, certificate, docs, new_province="atlantis")
    assert caught.value.code == ErrorCode.PROVINCE_NOT_FOUND
    with pytest.raises(DomainError) as caught:
        _change(yunnan, holder, certificate, docs, new_employer=" ")
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "newEmployer")
    # Naming the own province is not a move
    change = _change(yunnan, holder, certificate, docs, new_province="yunnan")
    assert change.new_province_code == ""


def test_approval_changes_the_employer_on_certificate_profile_and_registry(yunnan: Any, storage_root: Path) -> None:
    holder, certificate = holder_with_certificate(yunnan, "change_ok", index=123)
    reviewer = assessor(yunnan, "change_assess")
    docs = upload_documents(yunnan, holder, "proof_of_leaving", "proof_of_joining", "other")
    change = _change(yunnan, holder, certificate, docs)
    with province_scope(yunnan):
        approved = review_approve(request_type="certificate_change", request_id=change.pk, actor=reviewer,
                                  opinion="同意")
        fresh = Certificate.objects.get(pk=certificate.pk)
        assert approved.state == ReviewState.APPROVED
        assert (fresh.employer, fresh.region) == ("曲靖公交集团", "云南省曲靖市")
        assert fresh.status == Certificate.Status.VALID
        assert CandidateProfile.objects.get(user=holder).employer == "曲靖公交集团"
    with national_scope():
        assert CertificateRecord.objects.get(number=certificate.number).employer == "曲靖公交集团"


def test_a_reviewer_without_the_assessment_role_cannot_decide(yunnan: Any, storage_root: Path) -> None:
    holder, certificate = holder_with_certificate(yunnan, "change_role", index=124)
    site, _ = make_account(yunnan, username="change_site", roles=["site_reviewer"], kind="staff")
    docs = upload_documents(yunnan, holder, "proof_of_leaving", "proof_of_joining")
    change = _change(yunnan, holder, certificate, docs)
    with province_scope(yunnan), pytest.raises(DomainError) as caught:
        review_approve(request_type="certificate_change", request_id=change.pk, actor=site)
    assert caught.value.code == ErrorCode.PERMISSION_DENIED


def test_rejected_shows_result_time_opinion_then_corrected_and_resubmitted(yunnan: Any, storage_root: Path) -> None:
    holder, certificate = holder_with_certificate(yunnan, "change_rej", index=125)
    reviewer = assessor(yunnan, "change_rej_assess")
    docs = upload_documents(yunnan, holder, "proof_of_leaving", "proof_of_joining")
    change = _change(yunnan, holder, certificate, docs)
    with province_scope(yunnan):
        rejected = review_reject(request_type="certificate_change", request_id=change.pk, actor=reviewer,
                                 opinion="入职证明未盖章")
    assert (rejected.state, rejected.opinion) == (ReviewState.REJECTED, "入职证明未盖章")
    assert rejected.decided_at is not None and rejected.decided_by_id == reviewer.pk
    stamped = upload_documents(yunnan, holder, "proof_of_joining")
    again = _change(yunnan, holder, certificate, [docs[0], *stamped], new_employer="曲靖巴士公司",
                    request_id=change.pk)
    assert (again.pk, again.state, again.new_employer) == (change.pk, ReviewState.SUBMITTED, "曲靖巴士公司")
    with province_scope(yunnan):
        review_approve(request_type="certificate_change", request_id=change.pk, actor=reviewer)
        assert Certificate.objects.get(pk=certificate.pk).employer == "曲靖巴士公司"
