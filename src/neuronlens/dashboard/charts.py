"""A small line chart of sentiment over the call, drawn as inline SVG (no script, no library)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH = 360
HEIGHT = 140
PAD_X = 34
PAD_Y = 14


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    score: float
    start: float
    end: float


@dataclass(frozen=True)
class Series:
    """One speaker's line: runs of consecutive points (a silent stretch breaks the line)."""

    label: str
    role: str
    runs: tuple[str, ...]
    """Each run as an SVG ``points`` attribute."""
    points: tuple[Point, ...]


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    series: tuple[Series, ...]
    ticks: tuple[tuple[float, float], ...]
    """(x, seconds) at the start of each period."""
    levels: tuple[tuple[float, str], ...]
    """(y, label) of the horizontal guides at +1, 0, -1."""
    left: float
    right: float


def _y(score: float) -> float:
    clipped = max(-1.0, min(1.0, score))
    return round(PAD_Y + (1.0 - clipped) / 2.0 * (HEIGHT - 2 * PAD_Y), 1)


def sentiment_chart(
    timeline: list[dict[str, Any]], speakers: list[tuple[str, str]]
) -> LineChart | None:
    """The chart of a sentiment ``timeline`` (rows of start, end and a score per speaker).

    ``speakers`` are (label, CSS role class) pairs, in legend order."""
    rows = [r for r in timeline if isinstance(r, dict) and "start" in r and "end" in r]
    if not rows:
        return None
    left, right = PAD_X, WIDTH - 8
    step = (right - left) / len(rows)

    def x_of(i: int) -> float:
        return round(left + step * (i + 0.5), 1)

    series = []
    for label, role in speakers:
        points: list[Point] = []
        runs: list[str] = []
        current: list[str] = []
        for i, row in enumerate(rows):
            score = row.get(label)
            if not isinstance(score, int | float):
                if current:
                    runs.append(" ".join(current))
                current = []
                continue
            point = Point(x_of(i), _y(float(score)), float(score), row["start"], row["end"])
            points.append(point)
            current.append(f"{point.x},{point.y}")
        if current:
            runs.append(" ".join(current))
        if points:
            series.append(Series(label, role, tuple(runs), tuple(points)))
    if not series:
        return None
    ticks = tuple((round(left + step * i, 1), float(rows[i]["start"])) for i in range(len(rows)))
    levels = ((_y(1.0), "+1"), (_y(0.0), "0"), (_y(-1.0), "−1"))
    return LineChart(WIDTH, HEIGHT, tuple(series), ticks, levels, left, right)
