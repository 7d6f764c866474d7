"""Pure pieces of the dashboard: the sentiment chart, the call view, the template filters."""

from __future__ import annotations

from neuronlens.dashboard.charts import HEIGHT, PAD_Y, sentiment_chart
from neuronlens.dashboard.render import clock, signed, tone
from neuronlens.dashboard.views import timeline_series

TIMELINE = [
    {"quarter": 1, "start": 0.0, "end": 9.2, "agent": 0.5, "customer": None, "overall": 0.2},
    {"quarter": 2, "start": 9.2, "end": 18.4, "agent": None, "customer": -1.0, "overall": -0.4},
    {"quarter": 3, "start": 18.4, "end": 27.6, "agent": 0.1, "customer": -0.2, "overall": 0.0},
    {"quarter": 4, "start": 27.6, "end": 36.9, "agent": 0.2, "customer": 1.0, "overall": 0.5},
]


def test_series_come_from_the_timelines_keys_in_a_stable_order() -> None:
    assert timeline_series(TIMELINE) == [
        ("agent", "agent"),
        ("customer", "customer"),
        ("overall", "overall"),
    ]
    assert timeline_series([{"start": 0, "end": 1, "speaker_2": 0.1, "speaker_1": 0.0}]) == [
        ("speaker_1", "other"),
        ("speaker_2", "other"),
    ]


def test_chart_maps_scores_to_heights_and_breaks_lines_at_silence() -> None:
    chart = sentiment_chart(TIMELINE, timeline_series(TIMELINE))
    assert chart is not None
    agent, customer, overall = chart.series
    assert len(agent.runs) == 2 and len(agent.points) == 3  # silent in the second quarter
    assert len(customer.runs) == 1 and len(customer.points) == 3
    top, bottom = PAD_Y, HEIGHT - PAD_Y
    assert customer.points[0].y == bottom and customer.points[-1].y == top  # -1 and +1
    assert overall.points[2].y == (top + bottom) / 2
    xs = [p.x for p in overall.points]
    assert xs == sorted(xs) and chart.left < xs[0] and xs[-1] < chart.right
    assert [seconds for _, seconds in chart.ticks] == [0.0, 9.2, 18.4, 27.6]


def test_chart_of_nothing_is_none() -> None:
    assert sentiment_chart([], []) is None
    assert sentiment_chart([{"start": 0, "end": 1, "agent": None}], [("agent", "agent")]) is None


def test_filters() -> None:
    assert clock(0.4) == "0:00" and clock(75.9) == "1:15" and clock(3725) == "1:02:05"
    assert clock(None) == ""
    assert signed(0.4) == "+0.40" and signed(-0.05) == "-0.05"
    assert tone(0.5) == "tone-pos" and tone(-0.5) == "tone-neg" and tone(0.0) == "tone-neu"
