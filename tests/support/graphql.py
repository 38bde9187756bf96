"""Small real clients: HTTP with the standard library, WebSocket with gql (graphql-transport-ws)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from gql.transport.websockets import WebsocketsTransport


def post_graphql(
    url: str, query: str, *, host: str | None = None, variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if host:
        request.add_header("Host", host)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def ws_transport(host: str, port: int, path: str = "/graphql/", **kwargs: Any) -> WebsocketsTransport:
    """A gql transport that keeps the province host while connecting to loopback."""
    return WebsocketsTransport(
        url=f"ws://{host}:{port}{path}",
        connect_args={"host": "127.0.0.1", "port": port},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        **kwargs,
    )


def upload_graphql(
    url: str,
    query: str,
    *,
    host: str,
    variables: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A GraphQL multipart request (the spec's `operations`/`map`/files) sent by gql with `upload_files=True`.

    `files` maps variable names to (file name, bytes, content type); returns `{"data": …, "errors": …}`.
    """
    import io

    from gql import Client, FileVar, gql
    from gql.transport.exceptions import TransportQueryError
    from gql.transport.requests import RequestsHTTPTransport

    transport = RequestsHTTPTransport(url=url, headers={"Host": host, **(headers or {})}, timeout=30)
    request = gql(query)
    request.variable_values = {
        **variables,
        **{
            name: FileVar(io.BytesIO(content), filename=filename, content_type=content_type)
            for name, (filename, content, content_type) in files.items()
        },
    }
    with Client(transport=transport) as session:
        try:
            result = session.execute(request, upload_files=True, get_execution_result=True)
        except TransportQueryError as error:  # top-level errors (unauthenticated, another province's token)
            return {"data": error.data, "errors": error.errors}
    return {"data": result.data, "errors": result.errors}



async def ws_close_code(ws: Any, timeout: float = 10) -> int | None:
    """Read a `websockets` client connection until the server closes it; the close code it sent (None: no
    close frame). Fails with TimeoutError when nothing arrives for `timeout` seconds."""
    import asyncio

    import websockets

    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
