"""Issue 17, defect 8: malformed request bodies are a 400 with a coded JSON error, never a 500.

Attacks: a 100,000-deep JSON (RecursionError), bytes that are not UTF-8, a body declared utf-16 or
iso-8859-1, a batch of `[1,2]` / `[null]`, a bare JSON string or number, multipart with `map=[1]` or
`operations` that are not an object.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HOST = "yunnan.localhost"


def _client() -> Client:
    # raise_request_exception=False: a 500 is seen as the response a real client would get
    return Client(HTTP_HOST=HOST, raise_request_exception=False)


def _assert_coded_400(response: object) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("application/json")  # type: ignore[index]
    body = json.loads(response.content)  # type: ignore[attr-defined]
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"query": "{ __typename }", "x": "\xff\xfe\xfd"}',
        b"[1,2]",
        b"[null]",
        b'"{ __typename }"',
        b"5",
        b"{not json",
        b'{"query": 5}',
        b'{"query": "{ __typename }", "variables": [1]}',
    ],
    ids=["deep", "not-utf8", "batch-ints", "batch-null", "bare-string", "number", "broken", "query-int", "vars-list"],
)
def test_malformed_json_bodies_are_coded_400s(provinces: object, body: bytes) -> None:
    _assert_coded_400(_client().post("/graphql/", body, content_type="application/json"))


@pytest.mark.parametrize("charset", ["utf-16", "iso-8859-1", "no-such-charset"])
def test_other_charsets_are_parsed_or_refused_with_a_code(provinces: object, charset: str) -> None:
    text = '{"query": "{ __typename }", "variables": {"x": "é"}}'
    body = text.encode("utf-16" if charset == "utf-16" else "latin-1")
    response = _client().generic("POST", "/graphql/", body, content_type=f"application/json; charset={charset}")
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    if response.status_code != 200:
        _assert_coded_400(response)


@pytest.mark.parametrize(
    ("operations", "files_map"),
    [
        ('{"query": "{ __typename }"}', "[1]"),
        ('{"query": "{ __typename }"}', '{"0": "variables.file"}'),
        ('{"query": "{ __typename }"}', '{"0": ["nowhere.at.all"]}'),
        ("[1]", "{}"),
        ('"x"', "{}"),
    ],
    ids=["map-list", "map-not-list", "map-bad-path", "operations-list", "operations-string"],
)
def test_malformed_multipart_is_a_coded_400(provinces: object, operations: str, files_map: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _client().post(
        "/graphql/", {"operations": operations, "map": files_map, "0": SimpleUploadedFile("a.txt", b"abc")},
        HTTP_X_REQUESTED_WITH="test",
    )
    _assert_coded_400(response)
