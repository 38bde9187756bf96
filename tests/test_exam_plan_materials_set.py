"""exam_plan_materials_set (issue 14, point 8, seed 003 三 2 补充资料): a plan requires documents with a
registration; a submission without them is refused (MATERIALS_MISSING); uploaded documents follow the
existing upload rules and must be the candidate's own."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import Registration
from exams.services import (
    RegistrationChoice,
    exam_plan_materials_set,
    registration_draft_save,
    registration_submit,
)
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.certificates import upload_documents
from tests.support.exams import make_candidate, make_plan

pytestmark = pytest.mark.django_db


def _code(fn: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(**kwargs)
    return caught.value


def test_a_registration_without_the_required_documents_is_refused_and_with_them_submitted(
    yunnan: Any, storage_root: Any
) -> None:
    # given a plan that asks for a labour contract and a social-insurance proof
    setup = make_plan(yunnan)
    admin, _ = make_account(yunnan, username="ma_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    candidate, _ = make_candidate(yunnan, "ma_cand", index=511)
    other, _ = make_candidate(yunnan, "ma_other", index=512)
    contract, insurance = upload_documents(yunnan, candidate, "labour_contract", "social_insurance")
    (foreign,) = upload_documents(yunnan, other, "social_insurance")
    choice = RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk)
    with province_scope(yunnan):
        plan = exam_plan_materials_set(actor=admin, plan_id=setup.plan.pk,
                                       purposes=["labour_contract", "social_insurance"])
        assert plan.required_materials == ["labour_contract", "social_insurance"]
        assert _code(exam_plan_materials_set, actor=admin, plan_id=setup.plan.pk, purposes=["x"]).code == (
            ErrorCode.INVALID_INPUT)

        # when the candidate submits without, or with only one, then MATERIALS_MISSING and nothing is saved
        for ids in (None, [contract]):
            error = _code(registration_submit, actor=candidate, choice=choice, pledge_accepted=True, document_ids=ids)
            assert (error.code, error.field) == (ErrorCode.MATERIALS_MISSING, "documentIds")
        # someone else's document is not found
        error = _code(registration_submit, actor=candidate, choice=choice, pledge_accepted=True,
                      document_ids=[contract, foreign])
        assert error.code == ErrorCode.NOT_FOUND
        assert not Registration.objects.exists()

        # when a draft keeps the documents, then submitting the draft needs no more
        draft = registration_draft_save(actor=candidate, choice=choice, pledge_accepted=True,
                                        document_ids=[contract, insurance])
        done = registration_submit(actor=candidate, registration_id=draft.pk, pledge_accepted=True)
        assert done.holds_seat
        assert sorted(done.documents.values_list("purpose", flat=True)) == ["labour_contract", "social_insurance"]
