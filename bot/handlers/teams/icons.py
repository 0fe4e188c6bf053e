"""The two icons of the Teams app package, drawn in code (no image files, no Pillow).

Teams asks for a 192x192 full-colour icon and a 32x32 outline icon that is white on a
transparent background. Both show the same clock (a ring and two hands, "on call"): the colour
icon white on the accent colour with an alert dot, antialiased; the outline icon white on
transparent with hard edges, so every pixel is either opaque white or fully transparent.

The shapes are signed distance functions (negative inside, in pixels), which makes
antialiasing one clamp per pixel. PNGs are written with ``zlib`` and ``struct`` only.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable

COLOR_SIZE = 192
OUTLINE_SIZE = 32
ACCENT = (0x2C, 0x2D, 0x30)  # the Slack app's background colour: one look on both platforms
ALERT = (0xE8, 0x59, 0x0C)
WHITE = (0xFF, 0xFF, 0xFF)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Distance = Callable[[float, float], float]


def color_icon() -> bytes:
    """The 192x192 colour icon as PNG bytes (RGB): a white clock on the accent colour, with
    an orange dot at the top right."""
    size = COLOR_SIZE
    clock = _clock(size, margin=0.2)
    dot = _circle(size * 0.76, size * 0.24, size * 0.11)
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            pixel = _mix(ACCENT, WHITE, _coverage(clock(px, py)))
            row += bytes(_mix(pixel, ALERT, _coverage(dot(px, py))))
        rows.append(bytes(row))
    return png(size, size, rows, alpha=False)


def outline_icon() -> bytes:
    """The 32x32 outline icon as PNG bytes (RGBA): the clock in opaque white, everything
    else fully transparent (no grey, no partial alpha: Teams shows it on its own colours)."""
    size = OUTLINE_SIZE
    clock = _clock(size, margin=0.08)
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            inside = clock(x + 0.5, y + 0.5) <= 0
            row += bytes((*WHITE, 0xFF)) if inside else bytes(4)
        rows.append(bytes(row))
    return png(size, size, rows, alpha=True)


def png(width: int, height: int, rows: list[bytes], *, alpha: bool) -> bytes:
    """A PNG of 8-bit RGB (or RGBA with ``alpha``) ``rows``, each ``width`` pixels, top first.

    Every scanline gets filter type 0 (none); zlib does the compressing. Raises ValueError
    when a row has the wrong length or the row count is not ``height``."""
    channels = 4 if alpha else 3
    if len(rows) != height or any(len(row) != width * channels for row in rows):
        raise ValueError(f"expected {height} rows of {width * channels} bytes")
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    data = zlib.compress(b"".join(b"\x00" + row for row in rows), 9)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _clock(size: int, margin: float) -> Distance:
    """A ring with hands at twelve and at three, filling ``size`` less ``margin`` a side."""
    c = size / 2
    outer = size * (0.5 - margin)
    stroke = max(outer * 0.2, 2.5)
    radius = outer - stroke / 2
    ring = _ring(c, c, radius, stroke / 2)
    minute = _segment(c, c, c, c - radius * 0.62, stroke / 2)
    hour = _segment(c, c, c + radius * 0.45, c, stroke / 2)
    return lambda x, y: min(ring(x, y), minute(x, y), hour(x, y))


def _circle(cx: float, cy: float, r: float) -> Distance:
    return lambda x, y: math.hypot(x - cx, y - cy) - r


def _ring(cx: float, cy: float, r: float, half_width: float) -> Distance:
    return lambda x, y: abs(math.hypot(x - cx, y - cy) - r) - half_width


def _segment(ax: float, ay: float, bx: float, by: float, half_width: float) -> Distance:
    """A stroke from a to b with round ends."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy

    def distance(x: float, y: float) -> float:
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        return math.hypot(x - ax - t * dx, y - ay - t * dy) - half_width

    return distance


def _coverage(distance: float) -> float:
    """How much of a pixel a shape covers, from the signed distance at its centre."""
    return max(0.0, min(1.0, 0.5 - distance))


def _mix(
    under: tuple[int, int, int], over: tuple[int, int, int], amount: float
) -> tuple[int, int, int]:
    r, g, b = (round(u + (o - u) * amount) for u, o in zip(under, over, strict=True))
    return r, g, b
