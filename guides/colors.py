"""Brand colours and their contrast (WCAG 2.x relative luminance and contrast ratio).

The guide page puts text in the brand colour on white and white text on the brand colour, so
Settings > Brand accepts only a colour with a contrast of at least 4.5:1 against white (WCAG AA
for normal text), and suggests a darker shade of the same hue when one falls short.
"""

from __future__ import annotations

import re

DEFAULT_BRAND_COLOR = "#4f46e5"
MIN_CONTRAST = 4.5
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def relative_luminance(hex_color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(hex_color: str) -> float:
    return 1.05 / (relative_luminance(hex_color) + 0.05)


def brand_colors(value: str) -> tuple[str, str]:
    """The tenant's accent colour (validated) and a text colour readable on it (WCAG AA)."""
    color = value if HEX_COLOR.match(value or "") else DEFAULT_BRAND_COLOR
    return color, "#ffffff" if contrast_with_white(color) >= MIN_CONTRAST else "#111111"


def darker_shade(hex_color: str) -> str:
    """The same hue darkened, step by step, until it reaches MIN_CONTRAST against white."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    for step in range(1, 101):
        scaled = [round(c * (1 - step / 100)) for c in rgb]
        candidate = "#" + "".join(f"{c:02x}" for c in scaled)
        if contrast_with_white(candidate) >= MIN_CONTRAST:
            return candidate
    return "#000000"
