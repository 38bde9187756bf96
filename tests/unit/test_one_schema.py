"""One schema object behind every endpoint, and every node type declares who may reach it by ID."""

from __future__ import annotations


def test_every_endpoint_serves_the_one_schema_object() -> None:
    from django.urls import resolve

    from schema.root import schema
    from subscriptions.routing import websocket_application

    for urlconf in ("config.urls_province", "config.urls_public"):
        view = resolve("/graphql/", urlconf=urlconf).func
        assert view.view_initkwargs["schema"] is schema  # type: ignore[attr-defined]
    router = websocket_application.app  # ProvinceWebSocketMiddleware → GraphQLPathRouter
    consumer = router.app
    assert consumer.consumer_initkwargs["schema"] is schema


def test_every_node_type_says_who_may_reach_it_by_id() -> None:
    """`ProvinceNode.visible` denies by default; a node type that keeps the default is unreachable by `node`."""
    from schema.relay import ProvinceNode
    from schema.root import schema

    kept_default = []
    for definition in schema.schema_converter.type_map.values():
        origin = getattr(definition.definition, "origin", None)
        if isinstance(origin, type) and issubclass(origin, ProvinceNode) and not getattr(
            definition.definition, "is_interface", False
        ):
            if origin.visible.__func__ is ProvinceNode.visible.__func__:  # type: ignore[attr-defined]
                kept_default.append(origin.__name__)
    assert kept_default == []
