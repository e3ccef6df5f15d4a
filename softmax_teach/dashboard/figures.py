"""Fast, projector-friendly figures for the dashboard: one Agg figure each, updated in place.

Every figure is built once (axes, bars, texts, colour bar) and then only its artists change
(``set_height``, ``set_text``, ``set_data``) before it is rendered to PNG bytes for an
``ipywidgets.Image``. Rebuilding a figure costs several times more and flickers in an
``Output`` widget. pyplot is never used, so no global figure manager or GUI backend is involved.
"""

from __future__ import annotations

import abc
import io

import matplotlib
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from softmax_teach.palette import OKABE_ITO

# Okabe & Ito's colour-blind-safe palette, from the kit's one palette (softmax_teach.palette). The
# arg-max and the true class are also hatched and named, so nothing depends on telling colours apart.
THEMES = {
    "light": {
        "background": "#ffffff",
        "foreground": "#1a1a1a",
        "grid": "#d9d9d9",
        "bar": OKABE_ITO["blue"],
        "highlight": OKABE_ITO["vermillion"],
        "second": OKABE_ITO["green"],
        "cumulative": OKABE_ITO["orange"],
        "muted": "#bdbdbd",
        "alarm": "#B3261E",
        "colormap": "viridis",
    },
    "dark": {
        "background": "#212121",
        "foreground": "#f0f0f0",
        "grid": "#3a3a3a",
        "bar": OKABE_ITO["sky"],
        "highlight": OKABE_ITO["orange"],
        "second": OKABE_ITO["green"],
        "cumulative": OKABE_ITO["yellow"],
        "muted": "#5c5c5c",
        "alarm": "#FF8A80",
        "colormap": "magma",
    },
}

HATCH = "///"


def check_theme(theme):
    """Return ``theme`` if it is ``"light"`` or ``"dark"``, else raise ``ValueError``."""
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {sorted(THEMES)}, got {theme!r}")
    return theme


def _style(colors):
    """rcParams for a projected figure: large type, thick-ish lines, theme colours."""
    return {
        "font.size": 15,
        "axes.titlesize": 17,
        "axes.labelsize": 15,
        "xtick.labelsize": 15,
        "ytick.labelsize": 13,
        "figure.facecolor": colors["background"],
        "axes.facecolor": colors["background"],
        "savefig.facecolor": colors["background"],
        "axes.edgecolor": colors["foreground"],
        "axes.labelcolor": colors["foreground"],
        "text.color": colors["foreground"],
        "xtick.color": colors["foreground"],
        "ytick.color": colors["foreground"],
        "grid.color": colors["grid"],
        "hatch.color": colors["foreground"],
        "hatch.linewidth": 1.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


class PngFigure(abc.ABC):
    """An Agg figure with a theme that renders itself to PNG bytes, blitting what changes.

    Subclasses create their axes and artists once in :meth:`build` and register the artists
    that change from one picture to the next with :meth:`dynamic`; ``update`` methods change
    those artists and set :attr:`layout_key` to describe everything else (number of classes,
    tick labels). The static part is drawn once per layout and kept as a background; each
    picture then only restores it and draws the dynamic artists (Agg blitting), about five
    times less work than a full draw.

    Parameters
    ----------
    theme : {"light", "dark"}
    figsize : tuple of float
        Inches; at ``dpi`` 100 the default is 900 x 420 pixels, sharp on a projector.
    """

    def __init__(self, theme="light", figsize=(9.0, 4.2), dpi=100):
        self.theme = check_theme(theme)
        self.colors = THEMES[theme]
        self._rc = _style(self.colors)
        self._dynamic = []
        self.layout_key = None
        self._background = None
        self._background_key = object()
        with matplotlib.rc_context(self._rc):
            self.figure = Figure(figsize=figsize, dpi=dpi)
            FigureCanvasAgg(self.figure)
            self.build()

    @abc.abstractmethod
    def build(self):
        """Create the axes and artists once; ``update`` methods only change them."""

    def dynamic(self, *artists):
        """Mark artists as changing between pictures: they are left out of the background."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append(artist)
        return artists

    def png(self):
        """Render the current artists to PNG bytes.

        A low zlib level: the image is sent once and thrown away, and level 1 encodes several
        times faster than the default 6 for a few kB more.
        """
        canvas = self.figure.canvas
        with matplotlib.rc_context(self._rc):
            if self._background_key != self.layout_key:
                canvas.draw()  # animated (dynamic) artists are skipped by a full draw
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                self._background_key = self.layout_key
            else:
                canvas.restore_region(self._background)
            for artist in self._dynamic:
                self.figure.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class ProbabilityBarsFigure(PngFigure):
    """Bars of up to ``max_classes`` probabilities, the arg-max highlighted, values on top."""

    def __init__(self, max_classes=8, theme="light", figsize=(9.0, 4.2)):
        self.max_classes = max_classes
        super().__init__(theme, figsize)

    def build(self):
        self.ax = self.figure.add_axes((0.09, 0.19, 0.88, 0.70))
        positions = np.arange(self.max_classes)
        self.bars = self.ax.bar(
            positions, np.zeros(self.max_classes), width=0.7, color=self.colors["bar"], linewidth=1.5
        )
        self.value_texts = [
            self.ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=15, fontweight="bold") for x in positions
        ]
        self.ax.set_ylim(0, 1.12)
        self.ax.set_ylabel("probability")
        self.ax.yaxis.grid(True)
        self.ax.set_axisbelow(True)
        self.title = self.ax.set_title("")
        # Shown across the plot when the naive formula overflows or when the answer is hidden.
        self.banner = self.ax.text(
            0.5,
            0.55,
            "",
            transform=self.ax.transAxes,
            ha="center",
            va="center",
            fontsize=28,
            fontweight="bold",
            color=self.colors["alarm"],
        )
        self.dynamic(*self.bars, *self.value_texts, self.title, self.banner)

    def update(self, probabilities, labels, *, title="", banner="", hidden=False):
        """Show ``probabilities`` (length 2 to ``max_classes``; ``nan`` entries are drawn empty).

        ``hidden`` draws empty bars with "?" on top, for predict-then-reveal.
        """
        p = np.asarray(probabilities, dtype=float)
        n = p.size
        finite = np.isfinite(p)
        top = int(np.argmax(np.where(finite, p, -1))) if finite.any() else -1
        for i, (bar, text) in enumerate(zip(self.bars, self.value_texts)):
            visible = i < n
            bar.set_visible(visible)
            text.set_visible(visible)
            if not visible:
                continue
            value = p[i]
            if hidden:
                bar.set_height(0.0)
                text.set_text("?")
                text.set_y(0.02)
                continue
            bar.set_height(value if np.isfinite(value) else 0.0)
            bar.set_facecolor(self.colors["highlight"] if i == top else self.colors["bar"])
            bar.set_hatch(HATCH if i == top else None)
            bar.set_edgecolor(self.colors["foreground"] if i == top else self.colors["bar"])
            text.set_text(f"{value:.3f}" if np.isfinite(value) else "nan")
            text.set_y(value + 0.01 if np.isfinite(value) else 0.02)
        self.ax.set_xlim(-0.6, n - 0.4)
        shown = [
            f"{label}\narg-max" if i == top and not hidden else str(label) for i, label in enumerate(list(labels)[:n])
        ]
        self.ax.set_xticks(np.arange(n), shown)
        self.layout_key = (n, tuple(shown))
        self.title.set_text(title)
        self.banner.set_text(banner)


class SamplingFigure(PngFigure):
    """Left: the distribution before the filters, tokens sorted from most to least probable, with
    the cumulative mass that top-p reads and the min-p threshold; cut tokens hatched and greyed.
    Right: the distribution after the filters (renormalised, outlined) beside the share of draws.
    """

    def __init__(self, max_classes=8, theme="light", figsize=(9.0, 4.2)):
        self.max_classes = max_classes
        super().__init__(theme, figsize)

    def build(self):
        colors = self.colors
        self.ax_before = self.figure.add_axes((0.075, 0.15, 0.40, 0.62))
        self.ax_after = self.figure.add_axes((0.575, 0.15, 0.40, 0.62))
        positions = np.arange(self.max_classes)
        self.before_bars = self.ax_before.bar(
            positions, np.zeros(self.max_classes), width=0.7, color=colors["bar"], linewidth=1.2
        )
        (self.cumulative_line,) = self.ax_before.plot(
            [], [], color=colors["cumulative"], marker="o", lw=2.5, markersize=6, label="cumulative mass"
        )
        self.top_p_line = self.ax_before.axhline(1.0, color=colors["foreground"], linestyle="--", lw=1.5)
        self.top_p_text = self.ax_before.text(
            0.99, 1.0, "", transform=self.ax_before.get_yaxis_transform(), ha="right", va="bottom", fontsize=12
        )
        self.min_p_line = self.ax_before.axhline(0.0, color=colors["foreground"], linestyle=":", lw=2)
        self.min_p_text = self.ax_before.text(
            0.99, 0.0, "", transform=self.ax_before.get_yaxis_transform(), ha="right", va="bottom", fontsize=12
        )
        self.cut_texts = [
            self.ax_before.text(x, 0.03, "cut", ha="center", va="bottom", fontsize=12, rotation=90, fontweight="bold")
            for x in positions
        ]
        width = 0.38
        self.exact_bars = self.ax_after.bar(
            positions - width / 2,
            np.zeros(self.max_classes),
            width=width,
            facecolor="none",
            edgecolor=colors["bar"],
            linewidth=2.5,
            label="exact probability",
        )
        self.drawn_bars = self.ax_after.bar(
            positions + width / 2,
            np.zeros(self.max_classes),
            width=width,
            color=colors["second"],
            label="share of draws",
        )
        for ax in (self.ax_before, self.ax_after):
            ax.set_ylim(0, 1.08)
            ax.set_yticks(np.linspace(0, 1, 6))
            ax.yaxis.grid(True)
            ax.set_axisbelow(True)
        self.ax_before.set_ylabel("probability")
        # Legends above the axes, never over the bars or the cut tokens.
        self.figure.legend(
            handles=[self.cumulative_line],
            loc="upper left",
            bbox_to_anchor=(0.065, 0.915),
            frameon=False,
            fontsize=12.5,
            handlelength=1.5,
        )
        self.figure.legend(
            handles=[self.exact_bars, self.drawn_bars],
            labels=["exact", "share of draws"],
            loc="upper left",
            bbox_to_anchor=(0.565, 0.915),
            frameon=False,
            fontsize=12.5,
            ncols=2,
            handlelength=1.2,
            columnspacing=1.0,
        )
        self.title_before = self.figure.text(0.075, 0.985, "", ha="left", va="top", fontsize=13.5)
        self.title_after = self.figure.text(0.575, 0.985, "", ha="left", va="top", fontsize=13.5)
        self.dynamic(
            *self.before_bars,
            self.cumulative_line,
            self.top_p_line,
            self.top_p_text,
            self.min_p_line,
            self.min_p_text,
            *self.cut_texts,
            *self.exact_bars,
            *self.drawn_bars,
            self.title_before,
            self.title_after,
        )

    def update(
        self,
        before,
        exact,
        frequencies,
        labels,
        cut,
        *,
        top_p=None,
        min_p_threshold=None,
        title_before="",
        title_after="",
    ):
        """Draw one state. ``cut`` maps a filter name to the token indices it removed."""
        colors = self.colors
        before = np.asarray(before, dtype=float)
        exact = np.asarray(exact, dtype=float)
        frequencies = np.asarray(frequencies, dtype=float)
        n = before.size
        order = np.argsort(-before, kind="stable")  # top-k and top-p read the tokens in this order
        cut_by = {i: name for name, indices in cut.items() for i in indices}
        for slot in range(self.max_classes):
            visible = slot < n
            for artist in (self.before_bars[slot], self.exact_bars[slot], self.drawn_bars[slot]):
                artist.set_visible(visible)
            self.cut_texts[slot].set_visible(False)
            if not visible:
                continue
            i = order[slot]
            bar = self.before_bars[slot]
            bar.set_height(before[i])
            is_cut = i in cut_by
            bar.set_facecolor(colors["muted"] if is_cut else colors["bar"])
            bar.set_hatch(HATCH if is_cut else None)
            bar.set_edgecolor(colors["foreground"] if is_cut else colors["bar"])
            if is_cut:
                text = self.cut_texts[slot]
                text.set_text(f"cut ({cut_by[i]})")
                text.set_y(before[i] + 0.03)
                text.set_visible(True)
            self.exact_bars[slot].set_height(exact[i])
            self.drawn_bars[slot].set_height(frequencies[i])
        cumulative = np.cumsum(before[order])
        self.cumulative_line.set_data(np.arange(n), cumulative)
        self.top_p_line.set_visible(top_p is not None)
        self.top_p_text.set_visible(top_p is not None)
        if top_p is not None:
            self.top_p_line.set_ydata([top_p, top_p])
            self.top_p_text.set_y(top_p)
            self.top_p_text.set_text(f"top-p = {top_p:g}")
        self.min_p_line.set_visible(min_p_threshold is not None)
        self.min_p_text.set_visible(min_p_threshold is not None)
        if min_p_threshold is not None:
            self.min_p_line.set_ydata([min_p_threshold, min_p_threshold])
            self.min_p_text.set_y(min_p_threshold)
            self.min_p_text.set_text("min-p × top")
        sorted_labels = [str(labels[i]) for i in order]
        for ax in (self.ax_before, self.ax_after):
            ax.set_xlim(-0.6, n - 0.4)
            ax.set_xticks(
                np.arange(n),
                sorted_labels,
                fontsize=13 if n <= 5 else 11.5,
                rotation=0 if n <= 5 else 35,
                ha="center" if n <= 5 else "right",
                rotation_mode="anchor",
            )
        self.layout_key = (n, tuple(sorted_labels))
        self.title_before.set_text(title_before)
        self.title_after.set_text(title_after)


class CrossEntropyFigure(PngFigure):
    """Left: predicted ``p`` beside the target ``y``. Right: the gradient ``p - y`` per logit."""

    def __init__(self, max_classes=8, theme="light", figsize=(9.0, 4.2)):
        self.max_classes = max_classes
        super().__init__(theme, figsize)

    def build(self):
        self.ax_probabilities = self.figure.add_axes((0.08, 0.17, 0.40, 0.63))
        self.ax_gradient = self.figure.add_axes((0.58, 0.17, 0.40, 0.63))
        positions = np.arange(self.max_classes)
        width = 0.38
        self.p_bars = self.ax_probabilities.bar(
            positions - width / 2,
            np.zeros(self.max_classes),
            width=width,
            color=self.colors["bar"],
            label="p (softmax)",
        )
        self.y_bars = self.ax_probabilities.bar(
            positions + width / 2,
            np.zeros(self.max_classes),
            width=width,
            color=self.colors["second"],
            label="y (target)",
        )
        self.ax_probabilities.set_ylim(0, 1.05)
        self.figure.text(0.08, 0.985, "prediction p and target y", ha="left", va="top", fontsize=15)
        self.ax_probabilities.legend(
            loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, fontsize=13, ncols=2, borderaxespad=0.2
        )
        self.gradient_bars = self.ax_gradient.bar(
            positions, np.zeros(self.max_classes), width=0.7, color=self.colors["bar"]
        )
        self.gradient_texts = [self.ax_gradient.text(x, 0.0, "", ha="center", fontsize=12) for x in positions]
        zero_line = self.ax_gradient.axhline(0.0, color=self.colors["foreground"], linewidth=1)
        self.ax_gradient.set_ylim(-1.15, 1.15)
        self.ax_gradient.set_title("gradient  p − y", loc="left")
        for ax in (self.ax_probabilities, self.ax_gradient):
            ax.yaxis.grid(True)
            ax.set_axisbelow(True)
        self.dynamic(*self.p_bars, *self.y_bars, *self.gradient_bars, *self.gradient_texts, zero_line)

    def update(self, probabilities, target, gradient, true_class):
        n = len(probabilities)
        labels = [f"{i} ✓\ntrue" if i == true_class else str(i) for i in range(n)]
        for i in range(self.max_classes):
            visible = i < n
            for artist in (self.p_bars[i], self.y_bars[i], self.gradient_bars[i], self.gradient_texts[i]):
                artist.set_visible(visible)
            if not visible:
                continue
            self.p_bars[i].set_height(probabilities[i])
            self.y_bars[i].set_height(target[i])
            for bar in (self.p_bars[i], self.y_bars[i]):
                bar.set_hatch(HATCH if i == true_class else None)
            g = float(gradient[i])
            # A negative gradient means gradient descent raises this logit.
            self.gradient_bars[i].set_height(g)
            self.gradient_bars[i].set_color(self.colors["second"] if g < 0 else self.colors["highlight"])
            self.gradient_bars[i].set_hatch(HATCH if i == true_class else None)
            self.gradient_texts[i].set_text(f"{g:+.2f}")
            self.gradient_texts[i].set_fontsize(12 if n <= 5 else 9.5)
            self.gradient_texts[i].set_y(g + 0.04 if g >= 0 else g - 0.04)
            self.gradient_texts[i].set_va("bottom" if g >= 0 else "top")
        for ax in (self.ax_probabilities, self.ax_gradient):
            ax.set_xlim(-0.6, n - 0.4)
            ax.set_xticks(np.arange(n), labels)
        self.layout_key = (n, true_class)


class AttentionFigure(PngFigure):
    """Heatmap of attention weights: row i is how query token i spreads its attention."""

    def __init__(self, tokens, theme="light", figsize=(9.0, 5.4)):
        self.tokens = list(tokens)
        super().__init__(theme, figsize)

    def build(self):
        n = len(self.tokens)
        self.ax = self.figure.add_axes((0.17, 0.03, 0.62, 0.78))
        self.colorbar_ax = self.figure.add_axes((0.84, 0.03, 0.03, 0.78))
        self.image = self.ax.imshow(np.zeros((n, n)), vmin=0.0, vmax=1.0, cmap=self.colors["colormap"])
        self.figure.colorbar(self.image, cax=self.colorbar_ax, label="weight")
        labels = [f"{i}:{token}" for i, token in enumerate(self.tokens)]
        self.ax.set_xticks(np.arange(n), labels, rotation=30, ha="left")
        self.ax.set_yticks(np.arange(n), labels)
        self.ax.set_ylabel("query (row)")
        self.ax.xaxis.tick_top()
        self.figure.text(0.48, 0.965, "key (column) each query attends to", ha="center", va="top", fontsize=16)
        self.cell_texts = [
            [self.ax.text(j, i, "", ha="center", va="center", fontsize=14) for j in range(n)] for i in range(n)
        ]
        self.dynamic(self.image, *(text for row in self.cell_texts for text in row))
        self.layout_key = n  # tokens are fixed: one background for every picture

    def update(self, weights, allowed):
        weights = np.asarray(weights, dtype=float)
        shown = np.where(allowed, weights, np.nan)  # masked cells are left blank (background)
        self.image.set_data(shown)
        for i, row in enumerate(self.cell_texts):
            for j, text in enumerate(row):
                if not allowed[i, j]:
                    text.set_text("")
                    continue
                text.set_text(f"{weights[i, j]:.2f}")
                # Dark text on the bright end of the colour map, light text on the dark end.
                text.set_color("#111111" if weights[i, j] > 0.6 else "#f5f5f5")
