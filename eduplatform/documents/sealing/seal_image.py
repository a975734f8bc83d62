"""The seal image (印章): the unit's own, uploaded as a PNG with a transparent background, or for
development a drawn one — a red ring, the unit's name along the upper arc and a five-pointed star.

The drawn seal says 演示 under the star: it must never pass for a real one.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from eduplatform.core.errors import ValidationFailed

SEAL_RED = (230, 0, 18, 255)
#: Faces tried in order for the seal's text (Debian packages); the first that exists is used.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
#: A seal is round and about 42 mm across (公章 of a 机关); the image is square.
MAX_SEAL_BYTES = 2 * 1024**2


def _font(size: int):
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


def demo_seal(unit_name: str, *, size: int = 600) -> bytes:
    """A drawn seal for ``unit_name`` as PNG bytes (transparent outside the ink)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    ring = size * 0.035
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=SEAL_RED, width=int(ring))
    _star(draw, centre, centre, size * 0.16)
    characters = list(unit_name) or ["印"]
    glyph = int(size * min(0.13, 1.5 / max(len(characters), 1)))
    font = _font(glyph)
    # the name runs clockwise along the upper arc, from about 8 o'clock to 4 o'clock
    span = min(240.0, 22.0 * len(characters))
    radius = centre - ring - glyph * 0.75
    for index, character in enumerate(characters):
        angle = -90 - span / 2 + (span * (index + 0.5) / len(characters))
        tile = Image.new("RGBA", (glyph * 2, glyph * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((glyph, glyph), character, font=font, fill=SEAL_RED, anchor="mm")
        tile = tile.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - glyph
        y = centre + radius * math.sin(math.radians(angle)) - glyph
        image.alpha_composite(tile, (int(x), int(y)))
    small = _font(int(size * 0.07))
    draw.text((centre, centre + size * 0.26), "演示", font=small, fill=SEAL_RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def read_seal(data: bytes) -> Image.Image:
    """An uploaded seal as an RGBA image; refuses what is not a PNG or has no transparency."""
    if len(data) > MAX_SEAL_BYTES:
        raise ValidationFailed("印章图片不能超过 2 MB", code="seal_too_large")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError) as exc:
        raise ValidationFailed("印章图片无法读取，请上传 PNG 图片", code="seal_unreadable") from exc
    if image.format != "PNG":
        raise ValidationFailed("印章图片必须是 PNG 格式（透明背景）", code="seal_not_png")
    image = image.convert("RGBA")
    if image.getextrema()[3][0] == 255:
        raise ValidationFailed("印章图片需要透明背景，否则会遮住下面的文字", code="seal_not_transparent")
    return image
