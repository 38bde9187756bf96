"""The whole seed-000 loop through the real server: an exam administrator sets up a plan, a candidate
searches plans → accepts the pledge → registers → sees it pending → two reviewer stages approve → prints
the admission ticket (PDF) → a score is recorded → "my exams" shows it passed."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from exams.models import ExamPlan, ExamSession
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate
from tests.support.graphql import post_graphql
from tests.support.ids import pk
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"


def gql(server: LiveServer, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables, headers=headers)
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]


def test_candidate_walks_the_whole_loop(asgi_server: LiveServer, yunnan: Any) -> None:
    _, admin = make_account(yunnan, username="loop_exam", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    _, site_reviewer = make_account(yunnan, username="loop_site", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    _, candidate = make_candidate(yunnan, "loop_candidate", index=7)
    now = timezone.now()
    exam_day = now + timedelta(days=20)

    # given an exam administrator who sets up type, subject, site, plan and a session of 2 seats
    type_id = gql(
        asgi_server, admin, 'mutation { examTypeCreate(name: "城市客运安全考核") { examType { id } errors { code } } }'
    )["examTypeCreate"]["examType"]["id"]
    subject = gql(asgi_server, admin, """mutation($t: ID!) { subjectCreate(examTypeId: $t, name: "出租汽车-企业负责人",
        passMark: "60") { subject { id passMark } errors { code } } }""", t=type_id)["subjectCreate"]["subject"]
    site_id = gql(asgi_server, admin, """mutation { examSiteCreate(name: "城市客运云南考点", address: "昆明市北京路1号",
        region: "云南省") { site { id } errors { code } } }""")["examSiteCreate"]["site"]["id"]
    plan = gql(asgi_server, admin, """mutation($i: ExamPlanInput!) { examPlanCreate(input: $i) {
        plan { id name modeLabel } errors { code field } } }""", i={
        "name": "云南省城市客运企业主要负责人和安全生产管理人员安全考核", "region": "云南省", "examTypeId": type_id,
        "siteId": site_id, "subjectIds": [subject["id"]], "examStartsAt": exam_day.isoformat(),
        "examEndsAt": (exam_day + timedelta(hours=8)).isoformat(),
        "registrationOpensAt": (now - timedelta(days=1)).isoformat(),
        "registrationClosesAt": (now + timedelta(days=5)).isoformat(),
        "reviewDeadline": (now + timedelta(days=10)).isoformat()})["examPlanCreate"]
    assert plan["errors"] == [] and plan["plan"]["modeLabel"] == "常规考试"
    plan_id = plan["plan"]["id"]
    session = gql(asgi_server, admin, """mutation($i: ExamSessionInput!) { examSessionCreate(input: $i) {
        session { id remaining } errors { code } } }""", i={
        "planId": plan_id, "name": "上午场", "startsAt": exam_day.isoformat(),
        "endsAt": (exam_day + timedelta(hours=2)).isoformat(), "capacity": 2})["examSessionCreate"]["session"]
    assert session["remaining"] == 2

    # when the candidate searches plans by region and date range
    search = gql(asgi_server, None, """query($from: Date, $to: Date) { examPlans(region: "云南", dateFrom: $from,
        dateTo: $to) { totalCount edges { node { id name site { name address } remainingSeats reviewDeadline
        subjects { id name } sessions { id name remaining } } } } }""",
        **{"from": (exam_day - timedelta(days=1)).date().isoformat(),
           "to": (exam_day + timedelta(days=1)).date().isoformat()})
    found = [edge["node"] for edge in search["examPlans"]["edges"]]
    assert [p["id"] for p in found] == [plan_id]
    assert found[0]["remainingSeats"] == 2 and found[0]["sessions"][0]["remaining"] == 2

    # then without the pledge the registration is refused; with it, it is submitted and takes a seat
    submit = """mutation($i: RegistrationInput!) { registrationSubmit(input: $i) {
        registration { id state stage stages session { remaining } } errors { code message field } } }"""
    choice = {"planId": plan_id, "subjectId": subject["id"], "sessionId": session["id"]}
    refused = gql(asgi_server, candidate, submit, i={**choice, "pledgeAccepted": False})["registrationSubmit"]
    assert [e["code"] for e in refused["errors"]] == ["PLEDGE_NOT_ACCEPTED"]
    done = gql(asgi_server, candidate, submit, i={**choice, "pledgeAccepted": True})["registrationSubmit"]
    assert done["errors"] == []
    registration = done["registration"]
    assert (registration["state"], registration["stage"], registration["stages"]) == ("SUBMITTED", 1, 2)
    assert registration["session"]["remaining"] == 1
    registration_id = registration["id"]

    # and 我的审核 shows it pending
    mine = gql(asgi_server, candidate, """{ myRegistrations { edges { node { id state stateLabel
        plan { id } subject { name } } } } }""")["myRegistrations"]
    assert [edge["node"] for edge in mine["edges"]] == [{"id": registration_id, "state": "SUBMITTED",
        "stateLabel": "待审核", "plan": {"id": plan_id}, "subject": {"name": "出租汽车-企业负责人"}}]

    # when the exam site and then the exam administration approve
    queue = gql(asgi_server, site_reviewer, """{ reviewQueue(requestType: "registration") {
        edges { node { id stage applicant { username } } } } }""")["reviewQueue"]["edges"]
    assert [(e["node"]["id"], e["node"]["stage"], e["node"]["applicant"]["username"]) for e in queue] == [
        (registration_id, 1, "loop_candidate")]
    approve = """mutation($id: ID!) { reviewApprove(requestId: $id) {
        request { state stage } errors { code } } }"""
    assert gql(asgi_server, site_reviewer, approve, id=registration_id)["reviewApprove"]["request"] == {
        "state": "UNDER_REVIEW", "stage": 2}
    assert gql(asgi_server, admin, approve, id=registration_id)["reviewApprove"]["request"] == {
        "state": "APPROVED", "stage": 2}

    # then the admission ticket is there, as data and as a PDF
    ticket = gql(asgi_server, candidate, """query($id: ID!) { admissionTicket(registrationId: $id) {
        ticket { ticketNumber seatNumber siteName siteAddress subjectName sessionStartsAt pdfBase64 }
        errors { code } } }""", id=registration_id)["admissionTicket"]
    assert ticket["errors"] == []
    assert ticket["ticket"]["seatNumber"] == 1
    assert (ticket["ticket"]["siteName"], ticket["ticket"]["subjectName"]) == (
        "城市客运云南考点", "出租汽车-企业负责人")
    assert base64.b64decode(ticket["ticket"]["pdfBase64"]).startswith(b"%PDF")

    # when the exam has been held and the score is recorded
    with province_scope(yunnan):
        held = now - timedelta(days=1)
        ExamSession.objects.filter(pk=pk(session["id"])).update(starts_at=held, ends_at=held + timedelta(hours=2))
        ExamPlan.objects.filter(pk=pk(plan_id)).update(exam_starts_at=held - timedelta(hours=1))
    before = gql(asgi_server, candidate, "{ myExams { status: examStatus statusLabel: examStatusLabel score } }")[
        "myExams"]
    assert before == [{"status": "TAKEN", "statusLabel": "已考", "score": None}]
    scored = gql(asgi_server, admin, """mutation($id: ID!) { scoreRecord(registrationId: $id, score: "86.5") {
        registration { score } errors { code } } }""", id=registration_id)["scoreRecord"]
    assert scored == {"registration": {"score": "86.5"}, "errors": []}
    # the score stays hidden from the candidate until staff publish the plan's results (issue 14, point 9)
    hidden = gql(asgi_server, candidate, "{ myExams { examStatus score } myScoreHistory { score } }")
    assert hidden == {"myExams": [{"examStatus": "TAKEN", "score": None}], "myScoreHistory": []}
    published = gql(asgi_server, admin, """mutation($id: ID!) { examPlanResultsPublish(planId: $id) {
        errors { code } } }""", id=plan_id)["examPlanResultsPublish"]
    assert published == {"errors": []}

    # then "my exams" of that year shows site, subject, seat, time, total score and 合格
    year = timezone.localtime(held).year
    exams = gql(asgi_server, candidate, """query($y: Int) { myExams(year: $y) { plan { site { name } }
        subject { name } seatNumber session { startsAt } score examStatus examStatusLabel } myExamYears
        myScoreHistory { subject { name } score examStatusLabel } }""", y=year)
    row = exams["myExams"][0]
    assert (row["plan"]["site"]["name"], row["subject"]["name"], row["seatNumber"], row["score"]) == (
        "城市客运云南考点", "出租汽车-企业负责人", 1, "86.5")
    assert (row["examStatus"], row["examStatusLabel"]) == ("PASSED", "合格")
    assert exams["myExamYears"] == [year]
    assert exams["myScoreHistory"] == [
        {"subject": {"name": "出租汽车-企业负责人"}, "score": "86.5", "examStatusLabel": "合格"}]
    assert gql(asgi_server, candidate, "query($y: Int) { myExams(year: $y) { examStatus } }", y=year - 1)[
        "myExams"] == []
