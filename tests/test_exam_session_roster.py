"""session_roster / session_roster_xlsx / registration_attendance_set (issue 14, point 6): a session's
roster (candidates, seat numbers, ticket numbers, attendance) as a connection and as an Excel workbook."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, User
from exams.models import Attendance, Registration
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
ROSTER = """query($s: ID!) { examSessionRoster(sessionId: $s, first: 100) { totalCount edges { node {
    seatNumber ticketNumber attendance applicant { username profile { realName idNumber } } subject { name } } } } }"""
EXPORT = """query($s: ID!) { examSessionRosterExport(sessionId: $s) { fileName contentBase64 errors { code } } }"""
ATTEND = """mutation($r: ID!, $a: Attendance!) { registrationAttendanceSet(registrationId: $r, attendance: $a) {
    registration { attendance } errors { code } } }"""


def _seat(yunnan: Any, setup: Any, count: int, start: int) -> list[int]:
    made = []
    for i in range(start, start + count):
        user, _ = make_candidate(yunnan, f"ro_{i}", index=400 + i)
        with province_scope(yunnan):
            registration = Registration.objects.create(
                applicant=user, plan=setup.plan, subject=setup.subjects[0], session=setup.session,
                pledge_accepted_at=timezone.now(), state=ReviewState.APPROVED, stage=2, stages=2, holds_seat=True,
                seat_number=i + 1, ticket_number=f"2026{setup.session.pk:06d}{i + 1:04d}",
            )
        made.append(registration.pk)
    return made


def _call(server: LiveServer, token: str, query: str, **variables: Any) -> tuple[dict[str, Any], int]:
    with count_queries() as statements:
        status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                    headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body, len(statements)


def test_the_roster_costs_the_same_for_5_and_50_candidates_and_exports_to_excel(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given a session with 5 seated candidates, and an exam-site reviewer
    setup = make_plan(yunnan, capacity=100)
    first = _seat(yunnan, setup, 5, 0)
    _, token = make_account(yunnan, username="ro_site", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    session_id = gid("ExamSession", "yunnan", setup.session.pk)
    _call(asgi_server, token, ROSTER, s=session_id)  # the endpoint has looked up its province once

    # when the reviewer lists the roster, then seats come in order with ticket numbers and candidates
    body, five = _call(asgi_server, token, ROSTER, s=session_id)
    roster = body["data"]["examSessionRoster"]
    assert roster["totalCount"] == 5
    assert [e["node"]["seatNumber"] for e in roster["edges"]] == [1, 2, 3, 4, 5]
    assert roster["edges"][0]["node"]["applicant"]["profile"]["realName"] == "考生400"
    assert roster["edges"][0]["node"]["attendance"] == "UNKNOWN"

    # and with 50 candidates the same number of statements
    _seat(yunnan, setup, 45, 5)
    body, fifty = _call(asgi_server, token, ROSTER, s=session_id)
    assert body["data"]["examSessionRoster"]["totalCount"] == 50
    assert fifty == five and five <= 8

    # when attendance is marked, the roster and its Excel export show it
    marked, _ = _call(asgi_server, token, ATTEND, r=gid("Registration", "yunnan", first[0]), a="PRESENT")
    assert marked["data"]["registrationAttendanceSet"] == {"registration": {"attendance": "PRESENT"}, "errors": []}
    body, _ = _call(asgi_server, token, EXPORT, s=session_id)
    export = body["data"]["examSessionRosterExport"]
    assert export["errors"] == [] and export["fileName"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(export["contentBase64"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("座位号", "准考证号", "姓名", "证件号码", "报考科目", "联系电话", "考勤")
    assert len(rows) == 51
    assert (rows[1][0], rows[1][2], rows[1][6]) == (1, "考生400", str(Attendance.PRESENT.label))


def test_candidates_get_no_roster_and_no_export(asgi_server: LiveServer, yunnan: Any) -> None:
    setup = make_plan(yunnan)
    _seat(yunnan, setup, 1, 0)
    _, token = make_candidate(yunnan, "ro_nosy", index=499)
    session_id = gid("ExamSession", "yunnan", setup.session.pk)
    body, _ = _call(asgi_server, token, ROSTER, s=session_id)
    assert body["data"] is None or body["data"].get("examSessionRoster") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PERMISSION_DENIED"]
    body, _ = _call(asgi_server, token, EXPORT, s=session_id)
    assert body["data"]["examSessionRosterExport"] == {"fileName": None, "contentBase64": None,
                                                       "errors": [{"code": "PERMISSION_DENIED"}]}
    body, _ = _call(asgi_server, token, ATTEND, r=gid("Registration", "yunnan", 1), a="ABSENT")
    assert body["data"]["registrationAttendanceSet"]["errors"] == [{"code": "PERMISSION_DENIED"}]
