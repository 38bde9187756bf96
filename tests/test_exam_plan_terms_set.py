"""exam_plan_terms_set (issue 14, point 7): a plan serves its 报名须知 and 诚信考试承诺书 as text with a
version; a registration records the version accepted and a stale or missing one is refused; the candidate
prints a registration summary (报名信息) PDF."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import DEFAULT_PLEDGE, Registration
from exams.services import exam_plan_terms_set
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_text

HOST = "yunnan.localhost"
PLAN = "query($p: ID!) { examPlan(id: $p) { termsVersion registrationNotice pledgeText } }"
SUBMIT = """mutation($i: RegistrationInput!) { registrationSubmit(input: $i) {
    registration { id termsVersion } errors { code field } } }"""
SUMMARY = "query($r: ID!) { registrationSummary(registrationId: $r) { pdfBase64 errors { code } } }"


def _call(server: LiveServer, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables, headers=headers)
    assert status == 200 and "errors" not in body, body
    return body["data"]


@pytest.mark.django_db(transaction=True)
def test_the_accepted_version_is_recorded_a_stale_one_refused_and_the_summary_printed(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given a plan with the default texts (version 0), then its own texts (version 1, then 2)
    setup = make_plan(yunnan)
    admin, _ = make_account(yunnan, username="tm_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    _, token = make_candidate(yunnan, "tm_cand", index=501)
    plan_id = gid("ExamPlan", "yunnan", setup.plan.pk)
    served = _call(asgi_server, None, PLAN, p=plan_id)["examPlan"]
    assert served["termsVersion"] == 0 and served["pledgeText"] == DEFAULT_PLEDGE
    with province_scope(yunnan):
        exam_plan_terms_set(actor=admin, plan_id=setup.plan.pk, registration_notice="须知一", pledge_text="承诺一")
        exam_plan_terms_set(actor=admin, plan_id=setup.plan.pk, registration_notice="须知二", pledge_text="承诺一")
    assert _call(asgi_server, None, PLAN, p=plan_id)["examPlan"] == {
        "termsVersion": 2, "registrationNotice": "须知二", "pledgeText": "承诺一"}
    choice = {"planId": plan_id, "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
              "sessionId": gid("ExamSession", "yunnan", setup.session.pk), "pledgeAccepted": True}

    # when the candidate sends no version, or the old one, then it is refused and no seat is taken
    for version in (None, 1):
        refused = _call(asgi_server, token, SUBMIT, i={**choice, "termsVersion": version})["registrationSubmit"]
        assert refused == {"registration": None, "errors": [{"code": "TERMS_VERSION_STALE", "field": "termsVersion"}]}
    with province_scope(yunnan):
        assert not Registration.objects.exists()

    # when they accept the current version, then the registration records it
    done = _call(asgi_server, token, SUBMIT, i={**choice, "termsVersion": 2})["registrationSubmit"]
    assert done["errors"] == [] and done["registration"]["termsVersion"] == 2

    # and the summary PDF (报名信息) carries the plan, the subject and the version
    summary = _call(asgi_server, token, SUMMARY, r=done["registration"]["id"])["registrationSummary"]
    assert summary["errors"] == []
    text = pdf_text(base64.b64decode(summary["pdfBase64"]))
    assert "报名信息" in text and setup.subjects[0].name in text and "须知版本" in text
    # another candidate cannot print it
    _, other = make_candidate(yunnan, "tm_other", index=502)
    assert _call(asgi_server, other, SUMMARY, r=done["registration"]["id"])["registrationSummary"] == {
        "pdfBase64": None, "errors": [{"code": "NOT_FOUND"}]}


@pytest.mark.django_db
def test_terms_are_set_by_exam_staff_with_text(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "tm_cand2", index=503)
    admin, _ = make_account(yunnan, username="tm_admin2", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:
            exam_plan_terms_set(actor=candidate, plan_id=setup.plan.pk, registration_notice="a", pledge_text="b")
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        with pytest.raises(DomainError) as caught:
            exam_plan_terms_set(actor=admin, plan_id=setup.plan.pk, registration_notice=" ", pledge_text="b")
        assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "registrationNotice")
        same = exam_plan_terms_set(actor=admin, plan_id=setup.plan.pk, registration_notice="a", pledge_text="b")
        again = exam_plan_terms_set(actor=admin, plan_id=setup.plan.pk, registration_notice="a", pledge_text="b")
        assert same.terms_version == again.terms_version == 1  # unchanged texts keep their version
