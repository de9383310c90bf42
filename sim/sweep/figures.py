"""The sweep report's figures (matplotlib's object API: no pyplot state), labelled in words.

Every text comes from :mod:`sim.sweep.labels`; policies are named by their rule
(:func:`sim.sweep.compare.rule_labels`), the baseline is marked, and point labels sit in a
column beside the plot, joined to their points by leader lines, so they never overlap.
"""

from __future__ import annotations

import functools
import inspect
import io
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.labels import money_scale, outcome_head, shown_unit, t

WRAP = 46  # characters per line of a rule label


def in_lang(draw: Callable[..., bytes]) -> Callable[..., bytes]:
    """Draw a figure with the fonts of its ``lang`` argument (a CJK font first for zh)."""
    signature = inspect.signature(draw)

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> bytes:
        import matplotlib as mpl

        from sim.fonts import font_rc

        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        with mpl.rc_context(font_rc(bound.arguments["lang"])):
            return draw(*args, **kwargs)

    return wrapper


def png(fig: Any) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def _spread(want: list[float], heights: list[float], low: float, high: float) -> list[float]:
    """Label centres, in the order of ``want`` (ascending), that do not overlap: touching
    labels form blocks, each centred on the mean of its labels' wanted positions and kept within
    [low, high] when it fits (the classic one-dimensional label repel)."""
    blocks: list[list[int]] = []

    def place(block: list[int]) -> tuple[float, float]:
        offsets = np.cumsum([0.0, *(heights[i] for i in block)])
        start = float(np.mean([want[i] - offsets[k] - heights[i] / 2 for k, i in enumerate(block)]))
        size = float(offsets[-1])
        return min(max(start, low), max(low, high - size)), size

    for i in range(len(want)):
        blocks.append([i])
        while len(blocks) > 1:
            (a, sa), (b, _) = place(blocks[-2]), place(blocks[-1])
            if a + sa <= b + 1e-12:
                break
            blocks[-2:] = [blocks[-2] + blocks[-1]]
    pos: list[float] = []
    for block in blocks:
        start, _ = place(block)
        for i in block:
            pos.append(start + heights[i] / 2)
            start += heights[i]
    return pos


def _untangle(
    pos: list[float], want: list[float], heights: list[float], xs: list[float]
) -> list[float]:
    """Among labels wanted at one height (points side by side), give the slot nearest that
    height to the rightmost point, the next nearest to the next one, and so on, so that no
    leader line runs level through another point (slots are swapped only between labels of
    equal height, so nothing starts to overlap)."""
    pos = list(pos)
    i = 0
    while i < len(pos):
        j = i
        while j + 1 < len(pos) and want[j + 1] == want[i] and heights[j + 1] == heights[i]:
            j += 1
        members = range(i, j + 1)
        slots = sorted((pos[k] for k in members), key=lambda p: abs(p - want[i]))
        for k, slot in zip(sorted(members, key=lambda k: -xs[k]), slots, strict=True):
            pos[k] = slot
        i = j + 1
    return pos


def _rule_lines(label: str, baseline: bool, lang: str) -> list[str]:
    """A rule label broken after each criterion (``;``), continuation lines indented; the
    baseline's starts with a star and ends with its mark."""
    sep = "；" if lang == "zh" else "; "  # as compare.rule_label joins them
    parts = label.split(sep)
    lines = [p + (sep.strip() if k < len(parts) - 1 else "") for k, p in enumerate(parts)]
    lines = [wrapped for line in lines for wrapped in textwrap.wrap(line, WRAP)]
    if baseline:
        lines[-1] += t("baseline_mark", lang)
    return [("★ " if baseline else "• ") + lines[0], *("   " + x for x in lines[1:])]


@in_lang
def frontier_figure(comp: pd.DataFrame, lang: str = "en") -> bytes:
    """Share granted against the liability the granted leave, one point per policy (the rule
    as its label; the baseline a star), with a bar down to the bound once conditions are met."""
    from matplotlib.figure import Figure

    x = comp["liability_granted_as_applied_cny_mean"].to_numpy() * money_scale(lang)
    lo = comp["liability_granted_conditions_met_at_most_cny_mean"].to_numpy() * money_scale(lang)
    y = (comp["approved_share_mean"] + comp["conditional_share_mean"]).to_numpy() * 100
    base = comp["baseline"].to_numpy()
    fig = Figure(figsize=(11, 5.5))
    ax = fig.add_axes((0.08, 0.12, 0.47, 0.78))
    for i in range(len(comp)):
        if lo[i] < x[i]:
            ax.plot([lo[i], x[i]], [y[i], y[i]], color="0.6", lw=2.5, alpha=0.6, zorder=1,
                    solid_capstyle="butt")  # fmt: skip
            ax.plot([lo[i]], [y[i]], marker="|", ms=12, color="0.45", zorder=2)
    ax.scatter(x[~base], y[~base], s=36, color="C0", zorder=3, label=t("fig.frontier.as_applied",
               lang))  # fmt: skip
    ax.scatter(x[base], y[base], s=160, marker="*", color="C3", zorder=4, label=t("baseline", lang))
    ax.plot([], [], color="0.6", lw=2.5, alpha=0.6, label=t("fig.frontier.range", lang))
    liability = "unfunded_liability_before_conditions_cny"
    ax.set_xlabel(outcome_head(liability, lang, t("fig.frontier.x", lang)), fontsize=9)
    ax.set_ylabel(outcome_head("grant_rate", lang), fontsize=9)
    ax.set_title(t("fig.frontier.title", lang), fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    fig.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.08, -0.04), ncol=3, frameon=False)
    span_x = max(float(np.ptp(np.r_[x, lo])), 1e-9)
    span_y = max(float(np.ptp(y)), 1e-9)
    ax.set_xlim(min(lo.min(), x.min()) - 0.08 * span_x, max(x.max(), lo.max()) + 0.08 * span_x)
    ax.set_ylim(y.min() - 0.12 * span_y, y.max() + 0.12 * span_y)
    # group points that coincide (within 1 % of the axes), one label per group
    groups: list[list[int]] = []
    for i in range(len(comp)):
        for g in groups:
            j = g[0]
            if abs(x[i] - x[j]) <= 0.01 * span_x and abs(y[i] - y[j]) <= 0.01 * span_y:
                g.append(i)
                break
        else:
            groups.append([i])
    y0, y1 = ax.get_ylim()
    texts, heights, want = [], [], []
    line = 8 * 1.25 / (fig.get_figheight() * 72 * 0.78)  # one 8-pt line in axes fraction
    for g in sorted(groups, key=lambda g: (y[g[0]], x[g[0]])):
        lines = []
        for i in g:
            lines += _rule_lines(str(comp["policy_label"].iloc[i]), bool(base[i]), lang)
        texts.append((g, "\n".join(lines)))
        heights.append(len(lines) * line + 0.6 * line)
        want.append((y[g[0]] - y0) / (y1 - y0))
    pos = _untangle(_spread(want, heights, 0.0, 1.0), want, heights, [x[g[0]] for g, _ in texts])
    for (g, text), py in zip(texts, pos, strict=True):
        i = g[0]
        ax.annotate(
            text,
            xy=(x[i], y[i]),
            xycoords="data",
            xytext=(1.04, py),
            textcoords="axes fraction",
            va="center",
            ha="left",
            fontsize=8,
            arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.6, "shrinkB": 4},
            annotation_clip=False,
        )
    return png(fig)


@in_lang
def tornado_figure(
    tornado: pd.DataFrame, policy: int, label: str, ranges: dict[str, str], lang: str = "en"
) -> bytes:
    """For each outcome a panel: the mean over the scenarios in each uncertainty's lowest and
    highest third, against the mean over all scenarios, under the baseline ``policy``."""
    from matplotlib.figure import Figure

    outcomes = [o for o in TORNADO_OUTCOMES if o in set(tornado.outcome)]
    n_unc = max(1, tornado.uncertainty.nunique())
    fig = Figure(figsize=(8, 1.2 + len(outcomes) * (0.9 + 0.32 * n_unc)))
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, outcomes, strict=True):
        scale = shown_unit(name, lang)[0]
        tb = tornado[(tornado.outcome == name) & (tornado.policy == policy)].copy()
        tb["abs"] = tb["swing"].abs()
        tb = tb.sort_values("abs")
        yy = np.arange(len(tb))
        mid = float(tb["mean"].iloc[0]) * scale if len(tb) else 0.0
        low, high = tb["low_third"].to_numpy() * scale, tb["high_third"].to_numpy() * scale
        # the shorter bar on top, so a row whose thirds move the same way shows both
        low_on_top = np.abs(low - mid) <= np.abs(high - mid)
        ax.barh(yy, low - mid, left=mid, color="C0", label=t("fig.tornado.low", lang), zorder=2)
        ax.barh(yy, high - mid, left=mid, color="C3", label=t("fig.tornado.high", lang), zorder=2)
        ax.barh(yy[low_on_top], (low - mid)[low_on_top], left=mid, color="C0", zorder=3)
        ax.axvline(mid, color="k", lw=0.8, label=t("fig.tornado.mean", lang))
        names = [f"{u} ({ranges.get(u, '')})" for u in tb["uncertainty"]]
        ax.set_yticks(yy, names, fontsize=8)
        ax.set_title(outcome_head(name, lang), fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    handles, names = axes[0].get_legend_handles_labels()
    fig.suptitle(t("fig.tornado.title", lang, label=label), fontsize=10, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.legend(handles, names, fontsize=8, ncol=3, loc="upper left", bbox_to_anchor=(0.02, 0.965),
               frameon=False)  # fmt: skip
    return png(fig)


#: the tornado's outcomes (shown in their registered units, :func:`shown_unit`)
TORNADO_OUTCOMES: tuple[str, ...] = (
    "grant_rate",
    "unfunded_liability_before_conditions_cny",
    "restoration_cost_p90_sum_cny",
)


#: characters per line of a box's label: a Chinese character is as wide as two Latin ones
TICK_WRAP = {"en": 20, "zh": 10}


def box_labels(comp_labels: list[str], base: int, lang: str = "en") -> list[str]:
    """Each policy's rule under its box, a line per criterion, wrapped to :data:`TICK_WRAP`."""
    return [
        "\n".join(
            line
            for part in (lab + (t("baseline_mark", lang) if i == base else "")).split(
                "；" if lang == "zh" else "; "
            )
            for line in textwrap.wrap(part, TICK_WRAP[lang])
        )
        for i, lab in enumerate(comp_labels)
    ]


@in_lang
def distributions_figure(comp_labels: list[str], base: int, data: dict[str, Any],
                         lang: str = "en") -> bytes:  # fmt: skip
    """Box plots of outcomes across scenarios, one box per policy (labelled by its rule)."""
    from matplotlib.figure import Figure

    p = len(comp_labels)
    fig = Figure(figsize=(max(7.0, 1.3 * p + 1.5), 7.5))
    axes = fig.subplots(len(data), 1, sharex=True, squeeze=False)[:, 0]
    ticks = box_labels(comp_labels, base, lang)
    for ax, (name, (values, scale, _unit)) in zip(axes, data.items(), strict=True):
        ax.boxplot(list(values * scale), tick_labels=ticks, whis=(10, 90), showfliers=False)
        ax.set_ylabel(outcome_head(name, lang), fontsize=8)
        ax.grid(alpha=0.3)
        ax.axvspan(base + 0.5, base + 1.5, color="C3", alpha=0.08)
    axes[-1].tick_params(axis="x", labelsize=7)
    axes[0].set_title(t("fig.dist.title", lang), fontsize=10, loc="left")
    fig.tight_layout()
    return png(fig)
