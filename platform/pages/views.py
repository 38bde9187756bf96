"""Pages people open in a browser: the live seat board of a province (and its embed script)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from pages.headers import embeddable
from tenants.context import current_province


@require_GET
def seat_board(request: HttpRequest) -> HttpResponse:
    """考位实时余量: the page loads the open plans with one query, then follows `seatAvailability` live."""
    province = current_province()
    response = render(
        request,
        "pages/seats.html",
        {"province": province, "graphql_path": reverse("graphql"), "embedded": request.GET.get("embed") == "1"},
    )
    return embeddable(response, request)


@require_GET
def seat_board_embed(request: HttpRequest) -> HttpResponse:
    """`<script src=".../seats/embed.js">`: puts the board in an iframe where the script tag stands."""
    board = request.build_absolute_uri(reverse("seat-board")) + "?embed=1"
    # A JSON string is a JavaScript string; "<" escaped so that it can never close a script element.
    board_js = json.dumps(board).replace("<", "\\u003c")
    response = render(request, "pages/seats_embed.js", {"board_url": board_js}, content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
