"""Image captcha: random text without look-alikes, drawn as a PNG of the requested size."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from accounts.captcha import (
    CAPTCHA_ALPHABET,
    captcha_matches,
    captcha_text,
    render_captcha_png,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("0O1IL") & set(CAPTCHA_ALPHABET)
    assert len(set(CAPTCHA_ALPHABET)) == len(CAPTCHA_ALPHABET)


@pytest.mark.parametrize("length", [1, 4, 6])
def test_captcha_text_has_the_requested_length_and_alphabet(length: int) -> None:
    text = captcha_text(length)
    assert len(text) == length
    assert set(text) <= set(CAPTCHA_ALPHABET)


def test_captcha_text_defaults_to_four_characters() -> None:
    assert len(captcha_text()) == 4


def test_captcha_texts_vary() -> None:
    # given many draws / then they are not all the same (31**4 possibilities each)
    assert len({captcha_text() for _ in range(50)}) > 40


@pytest.mark.parametrize("length", [0, -1])
def test_captcha_text_needs_a_positive_length(length: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        captcha_text(length)


def test_render_gives_a_png_of_the_default_size() -> None:
    # given a text / when rendered with defaults / then a 120x40 RGB PNG comes back
    data = render_captcha_png("7Y7Z")
    assert data.startswith(PNG_SIGNATURE)
    image = _decode(data)
    assert image.format == "PNG"
    assert image.size == (120, 40)
    assert image.mode == "RGB"


@pytest.mark.parametrize(("width", "height"), [(200, 60), (80, 30), (160, 50)])
def test_render_respects_the_requested_size(width: int, height: int) -> None:
    image = _decode(render_captcha_png(captcha_text(6), width=width, height=height))
    assert image.size == (width, height)


def test_render_with_a_seeded_rng_is_reproducible() -> None:
    first = render_captcha_png("ABCD", rng=random.Random(42))
    second = render_captcha_png("ABCD", rng=random.Random(42))
    assert first == second


def test_render_differs_with_the_text() -> None:
    assert render_captcha_png("ABCD", rng=random.Random(42)) != render_captcha_png("WXYZ", rng=random.Random(42))


def test_render_actually_draws_dark_glyphs() -> None:
    # given a rendered captcha / then it has dark glyph pixels on a light background, not one flat colour
    image = _decode(render_captcha_png("HKMW", rng=random.Random(7))).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:120])
    light = sum(histogram[200:])
    assert dark > 50
    assert light > image.width * image.height // 2


@pytest.mark.parametrize(("text", "width", "height"), [("", 120, 40), ("AB", 0, 40), ("AB", 120, 0)])
def test_render_rejects_nonsense(text: str, width: int, height: int) -> None:
    with pytest.raises(ValueError, match=r"nothing|size"):
        render_captcha_png(text, width=width, height=height)


@pytest.mark.parametrize(
    ("expected", "given", "matches"),
    [
        ("7Y7Z", "7Y7Z", True),
        ("7Y7Z", "7y7z", True),
        ("7Y7Z", " 7y7z ", True),
        ("7Y7Z", "7Y7", False),
        ("7Y7Z", "7Y7Z7", False),
        ("7Y7Z", "", False),
        ("7Y7Z", "７Y7Z", False),
    ],
)
def test_captcha_matches_ignores_case_only(expected: str, given: str, matches: bool) -> None:
    assert captcha_matches(expected, given) is matches
