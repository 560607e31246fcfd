"""What every course plot shares: projector-sized fonts, colours, and figures that show
themselves in Jupyter and can be saved.

Every plotting function in `viz` returns a matplotlib :class:`~matplotlib.figure.Figure`
and never touches ``matplotlib.pyplot``: the figures are built with ``Figure()`` directly,
so nothing pops up, nothing is kept alive by pyplot's global figure list, and no backend is
chosen at import (Jupyter's inline backend, a script and a headless test run all work
unchanged).

In Jupyter, a figure returned as a cell's value is drawn inline. To save one::

    fig = plot_history(history)
    fig.savefig("history.png", dpi=150)      # or save_figure(fig, "plots/history.png")

Fonts are large (>= 11 pt) so that the figures stay readable on a projector.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .checks import check_dpi

__all__ = ["save_figure"]

# Sizes in points, chosen for a projector: nothing smaller than 11 pt.
LABEL_SIZE = 13
TITLE_SIZE = 14
TICK_SIZE = 11
LEGEND_SIZE = 11

TRAIN_COLOR = "tab:blue"
VAL_COLOR = "tab:orange"
# Class colours (colour-blind friendly "tab10" order); class k uses CLASS_COLORS[k % 10].
CLASS_COLORS = [
    "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
    "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan",
]  # fmt: skip


# ---------------------------------------------------------------------------------------
# Figures that show themselves in Jupyter and can be saved
# ---------------------------------------------------------------------------------------


class _NotebookFigure(Figure):
    """A plain Figure that also knows how to show itself in Jupyter.

    Jupyter's inline backend registers a PNG formatter for every Figure, but only once
    pyplot has been imported. ``_repr_png_`` covers notebooks that never import pyplot.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def new_figure(figsize: tuple[float, float]) -> Figure:
    """An empty figure of `figsize` inches that shows itself in Jupyter."""
    # "constrained" layout keeps titles, labels and legends from overlapping (tight layout).
    return _NotebookFigure(figsize=figsize, layout="constrained")


def style_axes(ax: Axes, grid: bool = True) -> None:
    """Large tick labels and a light grid, set on the axes so they do not depend on rcParams."""
    ax.tick_params(labelsize=TICK_SIZE)
    if grid:
        ax.grid(True, alpha=0.3)
        ax.set_axisbelow(True)


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save a figure to ``path`` (format from the extension: .png, .pdf, .svg), making folders.

    Args:
        fig: a figure returned by one of the plotting functions.
        path: where to write it; missing parent folders are created.
        dpi: dots per inch, 0 < dpi <= 1200; the image is ``figsize * dpi`` pixels.

    Returns:
        The path written, as a Path.
    """
    dpi = check_dpi(dpi)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def class_name(k: int, class_names: Sequence[str] | None) -> str:
    """The name of class k: ``class_names[k]``, or the number itself without names."""
    return str(class_names[k]) if class_names is not None else str(k)
