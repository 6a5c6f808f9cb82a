"""The performance page's pictures: matplotlib figures written as SVG beside the page.

Only the bench draws them (``nox -s bench`` installs matplotlib; the package never needs it).
Each function takes plain numbers (what ``run.py`` renders in its tables), so a page can be
redrawn from saved results without measuring again. The SVGs are reproducible: no date in the
metadata, fixed element ids, and text kept as text so the page's font shows through.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["cpu_chart", "wall_chart"]

# client -> {concurrency: value}; NaN (or a missing C) is a figure the run did not produce.
Series = Mapping[str, Mapping[int, float]]

OURS_COLOUR = "#3f51b5"  # the site's indigo
PEER_COLOURS = ("#9e9e9e", "#ff9800", "#4caf50", "#795548", "#e91e63", "#00bcd4", "#607d8b")


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "zonos-async",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
        }
    )
    return plt


def _palette(names: Sequence[str], ours: Sequence[str]) -> dict[str, str]:
    """One colour per client, the same in every panel and chart (ours in the site's colour)."""
    peers = [name for name in dict.fromkeys(names) if name not in ours]
    colours = {name: PEER_COLOURS[i % len(PEER_COLOURS)] for i, name in enumerate(peers)}
    return {**colours, **dict.fromkeys(ours, OURS_COLOUR)}


def _save(plt, figure, path: Path) -> Path:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    return path


def cpu_chart(
    series: Series, concurrency: Sequence[int], path: Path, *, ours: Sequence[str], title: str
) -> Path:
    """Horizontal bars: client CPU µs per call, one group per client, one bar per C (log axis)."""
    plt = _pyplot()
    clients = list(series)
    colours = _palette(clients, ours)
    height = 0.8 / max(len(concurrency), 1)
    figure, axes = plt.subplots(figsize=(7.5, 0.3 * len(clients) * len(concurrency) + 1.2))
    shades = [0.55, 1.0, 0.8]
    for slot, c in enumerate(concurrency):
        for row, client in enumerate(clients):
            value = series[client].get(c, math.nan)
            if math.isnan(value):
                continue
            y = row + (slot - (len(concurrency) - 1) / 2) * height
            colour = colours[client]
            alpha = shades[slot % len(shades)] if len(concurrency) > 1 else 1.0
            axes.barh(y, value, height=height * 0.9, color=colour, alpha=alpha)
            axes.text(value * 1.04, y, f"{value:,.0f} µs  C={c}", va="center", fontsize=8)
    axes.set_yticks(range(len(clients)), clients)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("client CPU per call, µs (log scale; shorter is better)")
    axes.set_title(title, loc="left", fontsize=11)
    values = [v for one in series.values() for v in one.values() if not math.isnan(v)]
    if values:
        axes.set_xlim(min(values) / 1.5, max(values) * 4)
    return _save(plt, figure, path)


def wall_chart(
    panels: Mapping[str, Series], path: Path, *, ours: Sequence[str], title: str
) -> Path:
    """Wall time / ideal time against concurrency, one panel per event loop (log axis)."""
    plt = _pyplot()
    figure, all_axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 0.5, 3.6), sharey=True, squeeze=False
    )
    colours = _palette([client for series in panels.values() for client in series], ours)
    for axes, (name, series) in zip(all_axes[0], panels.items(), strict=True):
        for client, points in series.items():
            cs = [c for c in sorted(points) if not math.isnan(points[c])]
            if not cs:
                continue
            mine = client in ours
            axes.plot(
                cs,
                [points[c] for c in cs],
                marker="o",
                linewidth=2.5 if mine else 1.2,
                color=colours[client],
                label=client,
                zorder=3 if mine else 2,
            )
        axes.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("concurrent calls (C)")
        axes.set_title(name, loc="left", fontsize=10)
        ticks = sorted({c for points in series.values() for c in points})
        axes.set_xticks(ticks, [str(c) for c in ticks])
        axes.minorticks_off()
    all_axes[0][0].set_ylabel("wall time / ideal (1 = perfect; lower is better)")
    handles: dict[str, object] = {}
    for axes in all_axes[0]:
        for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(
        list(handles.values()),
        list(handles),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=2,
        frameon=False,
        fontsize=8,
    )
    figure.suptitle(title, x=0.02, ha="left", fontsize=11)
    return _save(plt, figure, path)
