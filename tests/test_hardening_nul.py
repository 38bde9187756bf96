"""HardeningGuards: a NUL character reaches no resolver, whether it comes in the variables, in a string literal of
the document, or through an escape (`\\u0000`, `\\u{0}`); the document is visited only when its text can hold one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from schema import hardening

pytestmark = pytest.mark.django_db

HOST = "yunnan.localhost"


def _post(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = Client(HTTP_HOST=HOST).post(
        "/graphql/", data=json.dumps({"query": query, "variables": variables or {}}), content_type="application/json"
    )
    body: dict[str, Any] = json.loads(response.content)
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.mark.parametrize("literal", [r"a\u0000b", r"a\u{0}b", r"\u0000"])
def test_an_escaped_nul_in_the_document_is_refused(provinces: object, literal: str) -> None:
    # when a string literal of the document decodes to a NUL
    body = _post('{ notices(search: "' + literal + '") { edges { node { id } } } }')
    # then the request is refused with a code, before any resolver
    assert _codes(body) == ["INVALID_INPUT"] and body.get("data") is None


def test_a_nul_in_the_variables_is_refused(provinces: object) -> None:
    body = _post("query($s: String) { notices(search: $s) { edges { node { id } } } }", {"s": "a\x00b"})
    assert _codes(body) == ["INVALID_INPUT"]


def test_other_escapes_pass(provinces: object) -> None:
    # given an escape that is not a NUL
    body = _post(r'{ notices(search: "caf\u00e9 \u{1F600}") { edges { node { id } } } }')
    # then the query runs
    assert "errors" not in body and body["data"]["notices"]["edges"] == []


def test_the_document_is_visited_only_when_its_text_can_hold_a_nul(
    provinces: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a count of the document visits
    visits: list[object] = []
    visit = hardening._document_has_nul

    def counted(document: Any) -> bool:
        visits.append(document)
        return visit(document)

    monkeypatch.setattr(hardening, "_document_has_nul", counted)
    # when a plain query and one with a \u escape run
    assert "errors" not in _post('{ notices(search: "plain") { edges { node { id } } } }')
    assert not visits
    assert "errors" not in _post(r'{ notices(search: "caf\u00e9") { edges { node { id } } } }')
    # then only the second was visited
    assert len(visits) == 1
