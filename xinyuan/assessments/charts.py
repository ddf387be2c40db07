"""A person's scores over time as a small SVG line chart, drawn on the server: no script, so it
works under the Content-Security-Policy and without JavaScript (docs/decisions/0006)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape

from xinyuan.assessments.rules import score_range

WIDTH, HEIGHT, PAD = 560, 180, 34


def trend_chart(scale, results) -> str:
    """Scores in time order; band edges as faint lines; the newest point labelled."""
    if not results:
        return ""
    low, high = score_range(scale)
    span = (high - low) or 1
    count = len(results)

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * (i / (count - 1) if count > 1 else 0.5)

    def y(score: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * ((score - low) / span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="trend-chart" role="img" aria-label="{escape(scale.code)}">'
    ]
    for edge in sorted(band.min for band in scale.bands)[1:]:  # where one band meets the next
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(edge):.1f}" y2="{y(edge):.1f}" '
            'stroke="#ced4da" stroke-dasharray="4 4"/>'
        )
    parts.append(
        f'<text x="4" y="{y(high) + 4:.1f}" font-size="11" fill="#6c757d">{high:g}</text>'
        f'<text x="4" y="{y(low) + 4:.1f}" font-size="11" fill="#6c757d">{low:g}</text>'
    )
    points = " ".join(f"{x(i):.1f},{y(r.total):.1f}" for i, r in enumerate(results))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#0d6efd" stroke-width="2"/>')
    for i, r in enumerate(results):
        when = timezone.localtime(r.created_at).strftime("%m-%d")
        colour = "#dc3545" if r.flags or r.most_severe else "#0d6efd"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(r.total):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(when)} · {r.total:g}</title></circle>"
        )
        if i in (0, count - 1):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 10}" font-size="11" text-anchor="middle" '
                f'fill="#6c757d">{escape(when)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
