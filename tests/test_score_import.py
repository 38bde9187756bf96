"""Scores: one by one (scoreRecord) and by file (scoreImport, multipart Upload) with a row-by-row report."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from core.tabular import write_xlsx
from exams.models import ExamSession, Registration
from exams.services import score_record
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = """mutation($plan: ID!, $file: Upload!) { scoreImport(planId: $plan, file: $file) {
    imported failed rows { rowNumber ticketNumber ok code message } errors { code } } }"""


def _multipart(url: str, token: str, variables: dict[str, Any], filename: str, data: bytes) -> dict[str, Any]:
    boundary = uuid.uuid4().hex
    operations = json.dumps({"query": IMPORT, "variables": {**variables, "file": None}})
    parts = [
        ("operations", None, operations.encode()),
        ("map", None, json.dumps({"0": ["variables.file"]}).encode()),
        ("0", filename, data),
    ]
    body = b""
    for name, fname, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{fname}"' if fname else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if fname:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Host", "yunnan.localhost")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_scores_are_imported_row_by_row(asgi_server: LiveServer, yunnan: Any) -> None:
    setup = make_plan(yunnan, capacity=5)
    other = make_plan(yunnan, name="另一个计划")
    (site, _), (exam, exam_token) = reviewers(yunnan, "sc")
    _, candidate_token = make_candidate(yunnan, "sc_nobody", index=60)
    people = [make_candidate(yunnan, f"sc_{i}", index=61 + i)[0] for i in range(3)]
    with province_scope(yunnan):
        regs = [approved_registration(setup, person, site, exam) for person in people]
        elsewhere = approved_registration(other, people[0], site, exam)
        held = timezone.now() - timedelta(days=1)
        ExamSession.objects.update(starts_at=held, ends_at=held + timedelta(hours=2))
    rows: list[tuple[str | None, str]] = [
        (regs[0].ticket_number, "88"),
        (regs[1].ticket_number, "abc"),
        ("999999", "70"),
        (regs[2].ticket_number, "101"),
        (elsewhere.ticket_number, "90"),
        (regs[1].ticket_number, "59.5"),
    ]
    data = write_xlsx([{"t": t, "s": v} for t, v in rows], headers={"t": "准考证号", "s": "成绩"})

    # a candidate cannot import
    denied = _multipart(asgi_server.http_url(), candidate_token, {"plan": str(setup.plan.pk)}, "s.xlsx", data)
    assert denied["data"]["scoreImport"]["errors"] == [{"code": "PERMISSION_DENIED"}]

    plan_id = gid("ExamPlan", "yunnan", setup.plan.pk)
    result = _multipart(asgi_server.http_url(), exam_token, {"plan": plan_id}, "scores.xlsx", data)
    report = result["data"]["scoreImport"]
    # (a ticket listed twice is ambiguous: its second row is refused)
    assert (report["imported"], report["failed"], report["errors"]) == (1, 5, [])
    assert [(r["rowNumber"], r["ok"], r["code"]) for r in report["rows"]] == [
        (2, True, None), (3, False, "SCORE_INVALID"), (4, False, "NOT_FOUND"), (5, False, "SCORE_INVALID"),
        (6, False, "NOT_FOUND"), (7, False, "INVALID_INPUT"),
    ]
    with province_scope(yunnan):
        scores = {r.pk: r.score for r in Registration.objects.filter(plan=setup.plan)}
    assert scores == {regs[0].pk: Decimal("88.0"), regs[1].pk: None, regs[2].pk: None}


def test_a_score_before_the_exam_or_out_of_range_is_refused(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    (site, _), (exam, _) = reviewers(yunnan, "sr")
    candidate, _ = make_candidate(yunnan, "sr_cand", index=70)
    clerk, _ = make_account(yunnan, username="sr_clerk", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        registration = approved_registration(setup, candidate, site, exam)
        for actor, value, code in ((exam, "80", ErrorCode.SCORE_INVALID), (clerk, "80", ErrorCode.PERMISSION_DENIED)):
            with pytest.raises(DomainError) as caught:
                score_record(actor=actor, registration_id=registration.pk, score=value)
            assert caught.value.code == code
        ExamSession.objects.update(starts_at=timezone.now() - timedelta(hours=3),
                                   ends_at=timezone.now() - timedelta(hours=1))
        for value in ("-1", "100.1", "NaN"):
            with pytest.raises(DomainError) as caught:
                score_record(actor=exam, registration_id=registration.pk, score=value)
            assert caught.value.code == ErrorCode.SCORE_INVALID
        assert score_record(actor=exam, registration_id=registration.pk, score="60").score == Decimal("60.0")
