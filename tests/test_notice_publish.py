"""notice_publish / notice_update / notice_withdraw (issue 14, point 13): staff publish, edit and withdraw
notices through GraphQL with the issuing body shown; FAQ and contact pages are categories; a publication
from the Django admin pushes the live event too (real WebSocket client)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.admin.sites import site as admin_site
from django.db import transaction
from django.test import RequestFactory
from gql import Client, gql

from accounts.models import Role, User
from notices.admin import NoticeAdmin
from notices.models import Notice
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.graphql import post_graphql, ws_transport
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
PUBLISH = """mutation($t: String!, $b: String!, $c: NoticeCategory!) { noticePublish(title: $t, body: $b,
    category: $c) { notice { id title category issuer } errors { code field } } }"""
UPDATE = """mutation($n: ID!, $t: String) { noticeUpdate(noticeId: $n, title: $t, issuer: "云南省交通运输厅") {
    notice { title issuer updatedAt } errors { code } } }"""
WITHDRAW = "mutation($n: ID!) { noticeWithdraw(noticeId: $n) { notice { id } errors { code } } }"
LIST = """query($c: NoticeCategory) { notices(first: 20, category: $c) { totalCount edges { node { title category
    issuer } } } }"""
CHANGES = gql("subscription { noticeChanged { kind notice { title category issuer } } }")


def _call(server: LiveServer, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables, headers=headers)
    assert status == 200 and "errors" not in body, body
    return body["data"]


def test_staff_publish_edit_and_withdraw_and_categories_list_apart(asgi_server: LiveServer, yunnan: Any) -> None:
    _, staff = make_account(yunnan, username="nt_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    _, candidate = make_account(yunnan, username="nt_cand", roles=[Role.CANDIDATE])

    # a candidate may not publish
    refused = _call(asgi_server, candidate, PUBLISH, t="无权", b="内容", c="NOTICE")["noticePublish"]
    assert refused == {"notice": None, "errors": [{"code": "PERMISSION_DENIED", "field": None}]}
    # staff publish a notice, an FAQ entry and a contact page; the issuing body defaults to the province
    made = {c: _call(asgi_server, staff, PUBLISH, t=f"{c}标题", b="内容", c=c)["noticePublish"]["notice"]
            for c in ("NOTICE", "FAQ", "CONTACT")}
    assert made["FAQ"]["category"] == "FAQ" and made["NOTICE"]["issuer"] == "云南省"
    assert [e["node"]["title"] for e in _call(asgi_server, None, LIST, c="FAQ")["notices"]["edges"]] == ["FAQ标题"]
    assert _call(asgi_server, None, LIST, c=None)["notices"]["totalCount"] == 3
    # bad input has its field
    bad = _call(asgi_server, staff, PUBLISH, t=" ", b="内容", c="NOTICE")["noticePublish"]
    assert bad["errors"] == [{"code": "INVALID_INPUT", "field": "title"}]

    # staff edit one: title and issuing body change, the edit time is shown
    edited = _call(asgi_server, staff, UPDATE, n=made["NOTICE"]["id"], t="新标题")["noticeUpdate"]
    assert edited["errors"] == [] and edited["notice"]["issuer"] == "云南省交通运输厅"
    assert edited["notice"]["title"] == "新标题" and edited["notice"]["updatedAt"] is not None

    # staff withdraw it: no longer listed nor served, and not withdrawn twice
    assert _call(asgi_server, staff, WITHDRAW, n=made["NOTICE"]["id"])["noticeWithdraw"]["errors"] == []
    assert _call(asgi_server, None, LIST, c="NOTICE")["notices"]["totalCount"] == 0
    assert _call(asgi_server, None, "query($n: ID!) { notice(id: $n) { id } }", n=made["NOTICE"]["id"]) == {
        "notice": None}
    assert _call(asgi_server, staff, WITHDRAW, n=made["NOTICE"]["id"])["noticeWithdraw"]["errors"] == [
        {"code": "INVALID_STATE_TRANSITION"}]
    assert _call(asgi_server, candidate, UPDATE, n=made["FAQ"]["id"], t="x")["noticeUpdate"]["errors"] == [
        {"code": "PERMISSION_DENIED"}]


async def test_a_publication_from_the_django_admin_pushes_the_live_event(asgi_server: LiveServer,
                                                                         yunnan: Any) -> None:
    got: list[Any] = []

    async def watch() -> None:
        async with Client(transport=ws_transport(HOST, asgi_server.port)) as session:
            async for result in session.subscribe(CHANGES):
                got.append(result["noticeChanged"])

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(1.0)

    def admin_publish() -> None:
        with province_scope(yunnan):
            superuser = User.objects.create(username="nt_super", is_staff=True, is_superuser=True)
            request = RequestFactory().post("/admin/notices/notice/add/")
            request.user = superuser
            notice = Notice(title="后台发布", body="内容", category="contact", issuer="")
            with transaction.atomic():  # as the admin's change form does
                NoticeAdmin(Notice, admin_site).save_model(request, notice, form=None, change=False)
            assert notice.pk is not None and notice.issuer == "云南省"

    await sync_to_async(admin_publish)()
    for _ in range(200):
        if got:
            break
        await asyncio.sleep(0.05)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    assert got == [{"kind": "published", "notice": {"title": "后台发布", "category": "CONTACT", "issuer": "云南省"}}]
