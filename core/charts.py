"""Charts drawn on the server as inline SVG (no script, no CDN; they print as they show): the coordinates are
computed here, the template draws them."""

from __future__ import annotations

from decimal import Decimal

WIDTH, BAR_HEIGHT, LABEL = 640, 18, 160


def bars(items: list[tuple[str, Decimal | float]], *, limit: int = 15) -> dict:
    """A horizontal bar chart of the largest `limit` values: [(label, value)] → rows with x, y, width."""
    top = sorted(items, key=lambda i: i[1], reverse=True)[:limit]
    peak = max((float(v) for _l, v in top), default=0) or 1
    span = WIDTH - LABEL - 90
    rows = [
        {
            "label": label[:22],
            "value": value,
            "y": i * (BAR_HEIGHT + 6),
            "width": max(1, round(float(value) / peak * span)),
        }
        for i, (label, value) in enumerate(top)
    ]
    return {"rows": rows, "width": WIDTH, "height": len(rows) * (BAR_HEIGHT + 6), "label": LABEL, "bar": BAR_HEIGHT}


def line(points: list[tuple[str, Decimal | float]], *, height: int = 160) -> dict:
    """A line chart of one series: [(label, value)] → the polyline's points and the first and last labels."""
    if not points:
        return {"points": "", "width": WIDTH, "height": height, "dots": []}
    highest = max(float(v) for _l, v in points)
    peak = highest or 1  # the scale; an all-zero series lies on the axis
    step = (WIDTH - 40) / max(1, len(points) - 1)
    dots = [
        {
            "x": round(20 + i * step, 1),
            "y": round(height - 20 - float(v) / peak * (height - 40), 1),
            "label": label,
            "value": v,
        }
        for i, (label, v) in enumerate(points)
    ]
    return {
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "width": WIDTH,
        "height": height,
        "first": points[0][0],
        "last": points[-1][0],
        "peak": highest,
    }
