"""Illustrations for the demo articles, drawn with Pillow (deterministic, no assets)."""

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 900

PALETTES = {
    "dawn": [(120, 16, 24), (196, 52, 40), (236, 150, 70), (250, 214, 140)],
    "noon": [(40, 86, 150), (92, 150, 205), (190, 220, 240), (245, 240, 225)],
    "dusk": [(60, 20, 60), (150, 40, 60), (225, 110, 70), (250, 190, 120)],
    "paper": [(150, 22, 30), (180, 30, 36), (214, 60, 56), (240, 200, 160)],
    "forest": [(24, 70, 60), (50, 120, 90), (170, 200, 150), (240, 236, 210)],
}


def _gradient(top: tuple, bottom: tuple, size=(WIDTH, HEIGHT)) -> Image.Image:
    _width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / (height - 1)
        column.putpixel(
            (0, y),
            tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    return column.resize(size)


def _sun(draw, rng, palette, cx, cy, r):
    for i in range(24):
        angle = i * math.pi / 12 + rng.random() * 0.05
        x = cx + math.cos(angle) * r * 3
        y = cy + math.sin(angle) * r * 3
        draw.line([(cx, cy), (x, y)], fill=(*palette[3], 60), width=10)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(*palette[3], 255))


def _hills(draw, rng, colors, base):
    for layer, color in enumerate(colors):
        points = [(0, HEIGHT)]
        y0 = base + layer * 90
        for x in range(0, WIDTH + 100, 100):
            points.append((x, y0 + rng.randint(-60, 40)))
        points.append((WIDTH, HEIGHT))
        draw.polygon(points, fill=color)


def _city(draw, rng, palette):
    x = 0
    while x < WIDTH:
        w = rng.randint(90, 180)
        h = rng.randint(220, 560)
        top = HEIGHT - h
        shade = tuple(max(0, c - 40) for c in palette[0])
        draw.rectangle([x, top, x + w - 8, HEIGHT], fill=shade)
        for wy in range(top + 20, HEIGHT - 20, 36):
            for wx in range(x + 14, x + w - 24, 28):
                if rng.random() < 0.55:
                    draw.rectangle([wx, wy, wx + 12, wy + 18], fill=palette[3])
        x += w


def _books(draw, rng, palette):
    x = 180
    while x < WIDTH - 180:
        w = rng.randint(50, 90)
        h = rng.randint(380, 560)
        color = rng.choice(
            [(178, 24, 31), (201, 162, 39), (140, 17, 23), (60, 90, 140)]
        )
        draw.rectangle([x, HEIGHT - 120 - h, x + w, HEIGHT - 120], fill=color)
        draw.rectangle(
            [x + 8, HEIGHT - 120 - h + 40, x + w - 8, HEIGHT - 120 - h + 60],
            fill=palette[3],
        )
        x += w + 6
    draw.rectangle([120, HEIGHT - 120, WIDTH - 120, HEIGHT - 90], fill=(90, 50, 30))


def _meeting(draw, rng, palette):
    draw.rounded_rectangle(
        [260, 470, WIDTH - 260, 640], radius=40, fill=(120, 70, 40), outline=palette[3]
    )
    for row, y in enumerate((420, 700)):
        for i in range(8):
            cx = 330 + i * 135 + (row * 30)
            draw.ellipse([cx - 38, y - 110, cx + 38, y - 34], fill=(70, 50, 45))
            draw.rounded_rectangle(
                [cx - 55, y - 30, cx + 55, y + 80], radius=30, fill=(40, 60, 100)
            )
    draw.rectangle([WIDTH // 2 - 260, 60, WIDTH // 2 + 260, 150], fill=(178, 24, 31))
    draw.rectangle([WIDTH // 2 - 240, 95, WIDTH // 2 + 240, 115], fill=palette[3])


def _ribbons(draw, rng, palette):
    for i in range(6):
        y = 120 + i * 120
        amplitude = rng.randint(30, 70)
        phase = rng.random() * math.pi
        points = [
            (x, y + math.sin(x / 220 + phase) * amplitude)
            for x in range(0, WIDTH + 20, 20)
        ]
        draw.line(points, fill=(*palette[3 - i % 2], 150), width=28)
    for _ in range(5):
        cx, cy, r = (
            rng.randint(100, WIDTH - 100),
            rng.randint(80, 300),
            rng.randint(18, 34),
        )
        star = [
            (
                cx
                + math.cos(math.pi / 2 + k * math.pi / 5)
                * (r if k % 2 == 0 else r / 2.4),
                cy
                - math.sin(math.pi / 2 + k * math.pi / 5)
                * (r if k % 2 == 0 else r / 2.4),
            )
            for k in range(10)
        ]
        draw.polygon(star, fill=(250, 214, 90))


def _gears(draw, rng, palette):
    for _ in range(4):
        cx, cy = rng.randint(250, WIDTH - 250), rng.randint(250, HEIGHT - 200)
        r = rng.randint(110, 200)
        teeth = 12
        points = []
        for k in range(teeth * 2):
            radius = r if k % 2 == 0 else r * 0.82
            angle = k * math.pi / teeth
            points.append(
                (cx + math.cos(angle) * radius, cy + math.sin(angle) * radius)
            )
        draw.polygon(points, fill=(*palette[rng.randint(1, 2)], 230))
        draw.ellipse(
            [cx - r * 0.3, cy - r * 0.3, cx + r * 0.3, cy + r * 0.3], fill=palette[0]
        )


def _notice(draw, rng, palette):
    draw.rounded_rectangle([520, 110, 1080, 820], radius=18, fill=(252, 248, 240))
    draw.rectangle([520, 110, 1080, 200], fill=(178, 24, 31))
    for i in range(9):
        y = 260 + i * 56
        draw.rounded_rectangle(
            [580, y, 1020 - rng.randint(0, 160), y + 18], radius=9, fill=(200, 190, 180)
        )
    draw.ellipse([890, 640, 1030, 780], outline=(178, 24, 31), width=10)


THEMES = {
    "sunrise": ("dawn", _sun),
    "city": ("noon", _city),
    "books": ("paper", _books),
    "meeting": ("dusk", _meeting),
    "ribbons": ("paper", _ribbons),
    "gears": ("noon", _gears),
    "notice": ("paper", _notice),
    "hills": ("forest", None),
}


def render(theme: str, seed: int) -> bytes:
    """A 1600x900 JPEG illustration for one theme; the same seed gives the same bytes."""
    rng = random.Random(seed)  # noqa: S311 - deterministic drawing, not security
    palette_name, painter = THEMES[theme]
    palette = PALETTES[palette_name]
    image = _gradient(palette[0], palette[2]).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    if theme in ("sunrise", "hills"):
        _sun(draw, rng, palette, rng.randint(400, 1200), rng.randint(250, 400), 110)
        _hills(draw, rng, [palette[1], palette[0], (40, 20, 20)], 520)
    elif painter is not None:
        painter(draw, rng, palette)
    image = Image.alpha_composite(image, overlay.filter(ImageFilter.SMOOTH))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()
