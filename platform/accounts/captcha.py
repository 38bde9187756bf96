"""Image captcha for login and password recovery (seed 000: "请输入验证码 7Y7Z").

Only the drawing and the text live here; storing the expected text (hashed, with an expiry) is
the service's job. The text comes from `secrets`; the noise may use any `random.Random`, so a test
can pass a seeded one and get the same bytes back.
"""

from __future__ import annotations

import hmac
import io
import random
import secrets

from PIL import Image, ImageDraw, ImageFont

__all__ = ["CAPTCHA_ALPHABET", "captcha_matches", "captcha_text", "render_captcha_png"]

# Upper-case letters and digits without the look-alikes 0/O, 1/I/L: users read, then retype.
CAPTCHA_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

_MAX_ROTATION_DEGREES = 20
_Colour = tuple[int, int, int]


def captcha_text(length: int = 4) -> str:
    """A fresh captcha text of `length` characters from `CAPTCHA_ALPHABET`, cryptographically random."""
    if length < 1:
        raise ValueError("a captcha has at least one character")
    return "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(length))


def captcha_matches(expected: str, given: str) -> bool:
    """Compare a typed answer with the expected text: case-insensitive, surrounding spaces ignored.

    Uses a constant-time comparison so the answer cannot be probed character by character.
    """
    return hmac.compare_digest(expected.strip().upper().encode(), given.strip().upper().encode())


def _dark(rng: random.Random) -> _Colour:
    return (rng.randint(0, 110), rng.randint(0, 110), rng.randint(0, 110))


def _light(rng: random.Random) -> _Colour:
    return (rng.randint(215, 255), rng.randint(215, 255), rng.randint(215, 255))


def _medium(rng: random.Random) -> _Colour:
    return (rng.randint(100, 190), rng.randint(100, 190), rng.randint(100, 190))


def render_captcha_png(
    text: str,
    *,
    width: int = 120,
    height: int = 40,
    rng: random.Random | None = None,
) -> bytes:
    """Draw `text` as a PNG of exactly `width`×`height` pixels, hard to read for a machine.

    Each character gets its own colour, a rotation of up to ±20° and a little jitter; noise lines
    and dots cross the whole image. Uses Pillow's bundled default font, so no font file is needed.
    `rng` drives every random choice (default: `secrets.SystemRandom`); same seed, same bytes.
    """
    if not text:
        raise ValueError("nothing to draw")
    if width < 1 or height < 1:
        raise ValueError("the image needs a positive size")
    rng = rng or secrets.SystemRandom()
    image = Image.new("RGB", (width, height), _light(rng))
    font = ImageFont.load_default(size=max(8, int(height * 0.7)))

    cell = width / len(text)
    for index, char in enumerate(text):
        left, top, right, bottom = font.getbbox(char)
        glyph_w, glyph_h = max(1, int(right - left)), max(1, int(bottom - top))
        glyph = Image.new("RGBA", (glyph_w + 4, glyph_h + 4), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((2 - left, 2 - top), char, font=font, fill=(*_dark(rng), 255))
        glyph = glyph.rotate(
            rng.uniform(-_MAX_ROTATION_DEGREES, _MAX_ROTATION_DEGREES),
            resample=Image.Resampling.BICUBIC,
            expand=True,
        )
        x = int(index * cell + (cell - glyph.width) / 2) + rng.randint(-2, 2)
        y = int((height - glyph.height) / 2) + rng.randint(-3, 3)
        image.paste(glyph, (x, y), glyph)

    draw = ImageDraw.Draw(image)
    for _ in range(4):
        start = (rng.randint(0, width - 1), rng.randint(0, height - 1))
        end = (rng.randint(0, width - 1), rng.randint(0, height - 1))
        draw.line([start, end], fill=_medium(rng), width=1)
    for _ in range(width * height // 30):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=_medium(rng))

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
