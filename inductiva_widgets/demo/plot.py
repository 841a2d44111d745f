"""The residual plot: a tiny RGB rasteriser with 3x5 digit glyphs, written out as PNG."""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Callable, Sequence

_PLOT_W, _PLOT_H = 480, 320
_WHITE, _BLACK, _GRID = b"\xff\xff\xff", b"\x20\x20\x20", b"\xdd\xdd\xdd"
_COLORS = (b"\x1f\x77\xb4", b"\xff\x7f\x0e", b"\x2c\xa0\x2c", b"\xd6\x27\x28")
# 3x5 bitmap glyphs, row-major, for axis labels such as "1e-4" and step counts.
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
    "9": "111101111001111", "e": "010101111100011", "-": "000000111000000",
}


class _Canvas:
    """An RGB pixel buffer with just enough drawing for a line plot."""

    def __init__(self, width: int, height: int, background: bytes) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(background * (width * height))

    def dot(self, x: int, y: int, color: bytes) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i:i + 3] = color

    def hline(self, x0: int, x1: int, y: int, color: bytes) -> None:
        i = (y * self.width + x0) * 3
        self.pixels[i:i + 3 * (x1 - x0 + 1)] = color * (x1 - x0 + 1)

    def vline(self, x: int, y0: int, y1: int, color: bytes) -> None:
        for y in range(y0, y1 + 1):
            self.dot(x, y, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: bytes) -> None:
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(n + 1):
            x, y = round(x0 + (x1 - x0) * k / n), round(y0 + (y1 - y0) * k / n)
            self.dot(x, y, color)
            self.dot(x, y + 1, color)  # two pixels thick reads better at this size

    def text(self, x: int, y: int, label: str, color: bytes, scale: int = 2) -> None:
        for ch in label:
            glyph = _GLYPHS.get(ch, "0" * 15)
            for cell, bit in enumerate(glyph):
                if bit == "1":
                    for dy in range(scale):
                        for dx in range(scale):
                            self.dot(x + (cell % 3) * scale + dx, y + (cell // 3) * scale + dy,
                                     color)
            x += 4 * scale

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + self.pixels[y * stride:(y + 1) * stride]
                       for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                + _png_chunk(b"IDAT", zlib.compress(raw, 6)) + _png_chunk(b"IEND", b""))


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def residual_plot(series: Sequence[Sequence[float]]) -> bytes:
    """Residual history on a log axis, one colour per solved quantity, as PNG bytes."""
    canvas = _Canvas(_PLOT_W, _PLOT_H, _WHITE)
    left, right, top, bottom = 58, _PLOT_W - 14, 14, _PLOT_H - 34
    values = [v for s in series for v in s if v > 0] or [1.0]
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = max(hi, lo + 1)
    steps = max((len(s) for s in series), default=1)

    def x_of(i: float) -> int:
        return round(left + i * (right - left) / max(steps - 1, 1))

    def y_of(v: float) -> int:
        frac = (math.log10(max(v, 10.0 ** lo)) - lo) / (hi - lo)
        return round(bottom - frac * (bottom - top))

    _plot_frame(canvas, (left, right, top, bottom), range(lo, hi + 1), y_of, steps, x_of)
    for k, values_k in enumerate(series):
        color = _COLORS[k % len(_COLORS)]
        points = [(x_of(i), y_of(v)) for i, v in enumerate(values_k)]
        for (xa, ya), (xb, yb) in itertools.pairwise(points):
            canvas.line(xa, ya, xb, yb, color)
    return canvas.png()


def _plot_frame(
    canvas: _Canvas,
    box: tuple[int, int, int, int],
    decades: range,
    y_of: Callable[[float], int],
    steps: int,
    x_of: Callable[[float], int],
) -> None:
    left, right, top, bottom = box
    for d in decades:
        y = y_of(10.0 ** d)
        canvas.hline(left, right, y, _GRID)
        canvas.text(4, y - 5, f"1e{d}", _BLACK)
    for k in range(6):
        step = round((steps - 1) * k / 5)
        x = x_of(step)
        canvas.vline(x, top, bottom, _GRID)
        label = str(step)
        canvas.text(x - 4 * len(label), bottom + 8, label, _BLACK)
    canvas.hline(left, right, bottom, _BLACK)
    canvas.hline(left, right, top, _BLACK)
    canvas.vline(left, top, bottom, _BLACK)
    canvas.vline(right, top, bottom, _BLACK)
