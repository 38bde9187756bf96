"""The single-process channel layer: every member gets a group message once, capacity and expiry hold."""

from __future__ import annotations

import asyncio

from subscriptions.layers import InMemoryChannelLayer


async def test_a_group_message_reaches_every_member_once() -> None:
    layer = InMemoryChannelLayer()
    channels = [await layer.new_channel() for _ in range(500)]
    for channel in channels:
        await layer.group_add("yunnan.exam_session.1", channel)
    await layer.group_add("tianjin.exam_session.1", await layer.new_channel())

    await layer.group_send("yunnan.exam_session.1", {"type": "platform.event", "event": {"remaining": 3}})

    received = await asyncio.gather(*(asyncio.wait_for(layer.receive(c), 1) for c in channels))
    assert all(m == {"type": "platform.event", "event": {"remaining": 3}} for m in received)
    for channel in channels[:5]:
        try:
            await asyncio.wait_for(layer.receive(channel), 0.05)
        except TimeoutError:
            continue
        raise AssertionError("a member received the message twice")


async def test_over_capacity_messages_are_dropped_without_failing_the_sender() -> None:
    layer = InMemoryChannelLayer(capacity=3)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    for version in range(10):
        await layer.group_send("g", {"type": "platform.event", "event": {"version": version}})
    got = [(await layer.receive(channel))["event"]["version"] for _ in range(3)]
    assert got == [0, 1, 2]  # the rest were dropped: why events carry absolute values and versions


async def test_expired_memberships_are_swept() -> None:
    layer = InMemoryChannelLayer(group_expiry=0)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    layer.groups["g"][channel] = 1.0  # joined long ago
    layer._last_sweep = 0.0
    await layer.group_send("g", {"type": "platform.event", "event": {}})
    assert channel not in layer.groups.get("g", {})
