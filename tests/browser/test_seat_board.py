"""The live seat board in a real browser: a booking through the API shows on the page within 2 s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import portal_page
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT = "mutation($i: RegistrationInput!) { registrationSubmit(input: $i) { registration { id } errors { code } } }"


def _book(server: LiveServer, token: str, setup: Any) -> None:
    choice = {
        "planId": gid("ExamPlan", "yunnan", setup.plan.pk),
        "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
        "sessionId": gid("ExamSession", "yunnan", setup.session.pk),
        "pledgeAccepted": True,
    }
    status, body = post_graphql(
        server.http_url(), SUBMIT, host="yunnan.localhost", variables={"i": choice},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert status == 200 and body["data"]["registrationSubmit"]["errors"] == [], body


def _remaining(page: Any, setup: Any) -> Any:
    session_id = gid("ExamSession", "yunnan", setup.session.pk)
    return page.locator(f'tr[data-session-id="{session_id}"] [data-remaining]')


def test_seat_board_shows_a_booking_within_two_seconds(asgi_server: LiveServer, yunnan: object, page: Any) -> None:
    from playwright.sync_api import expect

    # Given an open plan with a 5-seat session and a candidate ready to book
    setup = make_plan(yunnan, capacity=5, name="云南省道路运输安全考核（浏览器测试）")
    _, token = make_candidate(yunnan, "board_candidate")

    # When a person opens Yunnan's seat board on the province's host
    page.goto(f"http://yunnan.localhost:{asgi_server.port}/seats/")

    # Then they see the plan, its session and 5 seats left, live
    expect(page.get_by_role("heading", name="云南省道路运输安全考核（浏览器测试）")).to_be_visible()
    expect(_remaining(page, setup)).to_have_text("5")
    expect(page.locator("#status")).to_have_attribute("data-state", "live")

    # When a seat is booked through the API
    _book(asgi_server, token, setup)

    # Then the page shows 4 within 2 seconds, without a reload
    expect(_remaining(page, setup)).to_have_text("4", timeout=2000)


def test_seat_board_by_path_prefix_reconnects_and_resynchronises(
    asgi_server: LiveServer, yunnan: object, page: Any
) -> None:
    from playwright.sync_api import expect

    # Given the board opened by path prefix (portals without a host per province), showing 3 seats
    setup = make_plan(yunnan, capacity=3, name="前缀地址的考试计划")
    _, token = make_candidate(yunnan, "board_prefix")
    page.goto(f"http://localhost:{asgi_server.port}/p/yunnan/seats/")
    expect(_remaining(page, setup)).to_have_text("3")
    expect(page.locator("body")).to_have_attribute("data-connections", "1")

    # When the WebSocket drops and a seat is booked while the client is away
    page.evaluate("window.seatBoard.client.terminate()")
    _book(asgi_server, token, setup)

    # Then the board reconnects by itself and shows the count as it is now
    expect(page.locator("body")).to_have_attribute("data-connections", "2", timeout=5000)
    expect(_remaining(page, setup)).to_have_text("2", timeout=2000)
    expect(page.locator("#status")).to_have_text("实时更新中")


def test_seat_board_says_when_nothing_is_open(asgi_server: LiveServer, yunnan: object, page: Any) -> None:
    from playwright.sync_api import expect

    # Given only a plan whose registration has closed
    make_plan(yunnan, capacity=3, name="已截止的计划", open_window=False)

    # When the board is opened
    page.goto(f"http://yunnan.localhost:{asgi_server.port}/seats/")

    # Then it says there is nothing open, in Chinese
    expect(page.locator("#plans")).to_have_text("目前没有报名中的考试计划。")
    expect(page.get_by_text("已截止的计划")).to_have_count(0)


def test_seat_board_embeds_in_an_allowed_portal(
    asgi_server: LiveServer, yunnan: object, page: Any, settings: Any
) -> None:
    from playwright.sync_api import expect

    # Given a portal (its own origin, a page with the embed script tag) allowed by configuration
    setup = make_plan(yunnan, capacity=7, name="嵌入门户的计划")
    board = f"http://yunnan.localhost:{asgi_server.port}/seats/"
    html = f'<!doctype html><meta charset="utf-8"><h1>门户</h1><script src="{board}embed.js"></script>'
    with portal_page(html) as portal:
        settings.EMBED_ALLOWED_ORIGINS = [portal.rstrip("/")]

        # When the portal page is opened
        page.goto(portal)

        # Then the board shows inside it, live
        frame = page.frame_locator("iframe")
        session_id = gid("ExamSession", "yunnan", setup.session.pk)
        expect(frame.locator(f'tr[data-session-id="{session_id}"] [data-remaining]')).to_have_text("7")
        expect(frame.locator("#status")).to_have_attribute("data-state", "live")


def test_seat_board_refuses_to_be_framed_by_a_portal_not_configured(
    asgi_server: LiveServer, yunnan: object, page: Any
) -> None:
    from playwright.sync_api import expect

    # Given a portal that is not in PLATFORM_EMBED_ALLOWED_ORIGINS
    make_plan(yunnan, capacity=7, name="不许嵌入的计划")
    board = f"http://yunnan.localhost:{asgi_server.port}/seats/"
    with portal_page(f'<!doctype html><meta charset="utf-8"><iframe src="{board}"></iframe>') as portal:
        # When it frames the board
        page.goto(portal)
        page.wait_for_timeout(1500)

        # Then the browser shows nothing of it
        expect(page.frame_locator("iframe").locator("#plans")).to_have_count(0)
        expect(page.frame_locator("iframe").get_by_text("不许嵌入的计划")).to_have_count(0)
