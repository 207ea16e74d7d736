"""Draws Trygg's app icons (a white shield on teal) as PNG, with no dependencies.

Run: python3 tools/make_icons.py  (writes public/icons/icon-{192,512}.png)
"""
import struct
import zlib

TEAL = (29, 92, 87)
WHITE = (255, 255, 255)


def inside_shield(x, y):
    """Unit coordinates (0..1). A shield: straight top, sides curving to a point at the bottom."""
    if y < 0.22 or y > 0.82:
        return False
    if y < 0.52:
        half = 0.28
    else:
        t = (y - 0.52) / 0.30
        half = 0.28 * (1 - t * t)
    return abs(x - 0.5) <= half


def inside_check(x, y):
    """A check mark inside the shield, drawn as two thick segments."""
    def near(ax, ay, bx, by, width):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        px, py = ax + t * dx, ay + t * dy
        return (x - px) ** 2 + (y - py) ** 2 <= width * width
    return near(0.38, 0.50, 0.47, 0.60, 0.035) or near(0.47, 0.60, 0.64, 0.40, 0.035)


def pixel(size, px, py):
    samples = []
    for sx in (0.25, 0.75):
        for sy in (0.25, 0.75):
            x, y = (px + sx) / size, (py + sy) / size
            if inside_shield(x, y) and not inside_check(x, y):
                samples.append(WHITE)
            else:
                samples.append(TEAL)
    return tuple(sum(c[i] for c in samples) // len(samples) for i in range(3))


def png(size):
    rows = b"".join(b"\x00" + bytes(c for px in range(size) for c in pixel(size, px, py)) for py in range(size))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


for size in (192, 512):
    with open(f"public/icons/icon-{size}.png", "wb") as f:
        f.write(png(size))
