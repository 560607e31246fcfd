"""`animate_backward`: the backward pass, one chain-rule step per frame.

The animation *is* a backward run: it drives the engine's own generator
``root.backward_steps()``, which applies one node's chain-rule step

    parent.grad += d(node)/d(parent) * node.grad      (for every parent of the node)

and yields that node. After each step we draw the graph as it is now. So the order of the
frames is the engine's real order, and when the animation is built the gradients are exactly
those of ``root.backward()``.

What a frame shows:

* ``grad ?``             the gradient has not been reached yet (no consumer has stepped);
* ``grad 0.25 (partial)`` (grey italics) a partial sum: the Value feeds several operations
  and some of them have not passed their share back yet (the chain rule adds them up);
* ``grad 0.5000``        final: every operation that uses the Value has done its step;
* the node taking its step (red name cell, red border), the edges its gradient flows back
  along (red, arrows pointing back to the parents), and the grad cells it just changed
  (yellow).

Frame 0 is the graph after the forward pass with the output's gradient set to 1 (d o/d o), the
last frame has every gradient filled in.

Where the frames go: Jupyter shows them in the HTML player of `viz.player` (no widgets, no
kernel needed, so a saved notebook keeps every frame), ``.save("backprop.html")`` writes the
same player as a page of its own, ``.save("backprop.gif")`` and ``.save_frames(folder)`` write
images (shrunk to at most 1,000 px, a notebook's width, before the caption is drawn).
"""

from __future__ import annotations

import html
import os
import textwrap
from collections.abc import Iterable, Mapping
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from autograd_scalar import Value

from .graph import GraphDrawer, format_number
from .player import html_page, inline_svg, player_html
from .render import Diagram, RendererNotFoundError, RenderError

__all__ = ["BackwardAnimation", "animate_backward"]

GIF_DPI = 96.0
FRAME_MS = 1200
LAST_FRAME_MS = 4000
CAPTION_FONT_SIZE = 18
# About the width of a notebook's output area: wider pictures are shrunk to it *before* the
# caption is drawn, so the caption keeps its size where the image is shown.
MAX_IMAGE_WIDTH = 1000

_ANIMATION_LEGEND = [
    ("#ff8787", "taking its step"),
    ("#ffd43b", "grad just changed"),
]


class BackwardAnimation:
    """The frames of a backward pass; shown in Jupyter, saved as HTML, a GIF or images.

    Attributes:
        frames: one Diagram per frame: the forward state, one per backward step, the end.
            Each has a `.caption` saying what happens in it.
        steps: the node of each backward step, in the engine's order (frames[k] shows
            steps[k - 1]).
    """

    def __init__(self, frames: list[Diagram], steps: list[Value]) -> None:
        self.frames = frames
        self.steps = steps

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"BackwardAnimation({len(self.frames)} frames, {len(self.steps)} backward steps)"

    @property
    def captions(self) -> list[str]:
        """The caption of every frame."""
        return [frame.caption for frame in self.frames]

    # -- images ---------------------------------------------------------------------------

    def images(
        self, dpi: float = GIF_DPI, max_width: int | None = MAX_IMAGE_WIDTH
    ) -> list[Image.Image]:
        """Every frame as an RGB image with its caption above, all of the same size.

        Args:
            dpi: resolution of the diagrams.
            max_width: shrink diagrams wider than this many pixels to this width (never
                enlarge), so that a notebook or slide shows the image at its own size and the
                caption stays readable. None keeps the size that `dpi` gives.
        """
        if max_width is not None and not (isinstance(max_width, int) and max_width >= 100):
            raise ValueError(
                f"max_width must be a whole number of pixels, at least 100, or None (keep the "
                f"size that dpi gives); got {max_width!r}"
            )
        pictures = [Image.open(BytesIO(f.png(dpi))).convert("RGB") for f in self.frames]
        pictures = _shrink_to_width(pictures, max_width)
        width = max(p.width for p in pictures)
        height = max(p.height for p in pictures)
        font = _caption_font(CAPTION_FONT_SIZE)
        chars_per_line = max(40, int(width / (0.55 * CAPTION_FONT_SIZE)))
        wrapped = [textwrap.wrap(f.caption, chars_per_line) or [""] for f in self.frames]
        line_height = int(CAPTION_FONT_SIZE * 1.4)
        band = 16 + line_height * max(len(lines) for lines in wrapped)
        images = []
        for picture, lines in zip(pictures, wrapped):
            canvas = Image.new("RGB", (width, band + height), "white")
            canvas.paste(picture, (0, band))  # top-left: the layout does not move
            draw = ImageDraw.Draw(canvas)
            for i, line in enumerate(lines):
                draw.text((12, 8 + i * line_height), line, fill="black", font=font)
            images.append(canvas)
        return images

    def save(
        self,
        path: str | os.PathLike,
        dpi: float = GIF_DPI,
        frame_ms: int = FRAME_MS,
        last_frame_ms: int = LAST_FRAME_MS,
        max_width: int | None = MAX_IMAGE_WIDTH,
    ) -> Path:
        """Save as one self-contained HTML page with a player (.html) or an animated GIF.

        The HTML page holds every frame (as SVG, so it stays sharp when zoomed), a slider and
        previous / play / next buttons; it needs no server and fetches nothing, so it can be
        put on a course page as it is. Without JavaScript it shows every frame one below the
        other.

        Args:
            path: a file name ending in .html or .gif.
            dpi: resolution of the GIF's frames.
            frame_ms: how long each frame is shown when playing, in milliseconds.
            last_frame_ms: how long the GIF holds its last frame (all gradients known).
            max_width: the widest the GIF may be, in pixels (see `images`).

        Raises:
            ValueError: another suffix (use `save_frames` for one image per frame).
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".html":
            page = html_page(self.player_html(frame_ms), title="The backward pass, step by step")
            path.write_text(page, encoding="utf-8")
            return path
        if suffix != ".gif":
            raise ValueError(
                f"Cannot save an animation as {path.name!r}: use a .html (a page with a "
                "player) or .gif (animated) file name, or save_frames(folder) for one PNG or "
                "SVG per frame."
            )
        images = self.images(dpi, max_width)
        durations = [frame_ms] * (len(images) - 1) + [last_frame_ms]
        images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0)
        return path

    def save_frames(
        self,
        directory: str | os.PathLike,
        fmt: str = "png",
        dpi: float = GIF_DPI,
        max_width: int | None = MAX_IMAGE_WIDTH,
    ) -> list[Path]:
        """Write every frame to `directory` as frame_000.png, frame_001.png, ... (or .svg).

        PNG frames have their caption on top and all the same size (as in the GIF, at most
        `max_width` pixels wide); SVG frames are the diagrams alone.
        """
        if fmt not in ("png", "svg"):
            raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = [directory / f"frame_{k:03d}.{fmt}" for k in range(len(self.frames))]
        if fmt == "png":
            for image, path in zip(self.images(dpi, max_width), paths):
                image.save(path)
        else:
            for frame, path in zip(self.frames, paths):
                path.write_text(frame.svg(), encoding="utf-8")
        return paths

    # -- HTML and Jupyter -------------------------------------------------------------------

    def player_html(self, frame_ms: int = FRAME_MS) -> str:
        """The player as an HTML fragment: what Jupyter shows, and the body of `.save(".html")`.

        See `viz.player`: inline SVG frames with captions, slider, previous / play / next;
        every frame one below the other where JavaScript does not run.
        """
        return player_html([f.svg() for f in self.frames], self.captions, frame_ms=frame_ms)

    def filmstrip_html(self) -> str:
        """All frames one below the other, each with its caption (HTML with inline SVG)."""
        parts = []
        for frame in self.frames:
            parts.append(
                '<figure style="margin:0 0 1.5em 0">'
                f'<figcaption style="font-weight:bold;margin-bottom:4px">'
                f"{html.escape(frame.caption)}</figcaption>{inline_svg(frame.svg())}</figure>"
            )
        return '<div class="backward-animation">' + "".join(parts) + "</div>"

    def widget(self):
        """An ipywidgets player: play/pause, step back/forward, and a slider over the frames.

        It needs a running kernel (each step is a round trip to Python), so a saved notebook
        shows only its first frame; Jupyter displays the plain HTML player instead.
        """
        import ipywidgets as widgets

        svgs = [inline_svg(frame.svg()) for frame in self.frames]
        last = len(svgs) - 1
        play = widgets.Play(value=0, min=0, max=last, step=1, interval=FRAME_MS)
        slider = widgets.IntSlider(value=0, min=0, max=last, description="frame")
        widgets.jslink((play, "value"), (slider, "value"))
        back = widgets.Button(description="step back", icon="step-backward")
        forward = widgets.Button(description="step", icon="step-forward")
        caption = widgets.HTML()
        view = widgets.HTML()

        def show(k: int) -> None:
            caption.value = f"<b>{html.escape(self.frames[k].caption)}</b>"
            view.value = svgs[k]

        slider.observe(lambda change: show(change["new"]), names="value")
        back.on_click(lambda _: setattr(slider, "value", max(0, slider.value - 1)))
        forward.on_click(lambda _: setattr(slider, "value", min(last, slider.value + 1)))
        show(0)
        return widgets.VBox([widgets.HBox([play, back, forward, slider]), caption, view])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """Jupyter shows the HTML player; without a renderer, text saying how to get one.

        Plain HTML rather than a widget: it works without a kernel, so a saved notebook (and
        a static render of it, on a course site or on GitHub) keeps every frame.
        """
        try:
            return {"text/html": self.player_html(), "text/plain": repr(self)}
        except (RendererNotFoundError, RenderError) as error:
            return {"text/plain": f"{self!r}\n{error}"}

    def _repr_html_(self) -> str | None:
        try:
            return self.player_html()
        except (RendererNotFoundError, RenderError):
            return None


def _caption_font(size: int) -> ImageFont.ImageFont:
    """Pillow's bundled font at `size` (Pillow >= 10.1), else its small bitmap font."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # an older Pillow: no sizes
        return ImageFont.load_default()


def _shrink_to_width(pictures: list[Image.Image], max_width: int | None) -> list[Image.Image]:
    """The pictures scaled by one factor so that the widest is `max_width` pixels at most.

    One factor for all keeps the frames the same size, so the graph does not move.
    """
    widest = max(p.width for p in pictures)
    if max_width is None or widest <= max_width:
        return pictures
    scale = max_width / widest
    return [
        p.resize((max(1, round(p.width * scale)), max(1, round(p.height * scale))), Image.LANCZOS)
        for p in pictures
    ]


# ---------------------------------------------------------------------------------------
# Building the frames
# ---------------------------------------------------------------------------------------


def _caption_name(drawer: GraphDrawer, v: Value) -> str:
    """How a caption names a Value: its label, else what it is."""
    name = drawer.name(v)
    if name:
        return f"'{name}'"
    if v.parents:
        return f"the {v.op} result"
    return f"the constant {format_number(v.data, drawer.digits)}"


def _step_caption(drawer: GraphDrawer, k: int, total: int, node: Value, grad: float) -> str:
    """What step k does, in the words of the chain rule."""
    op = node.op or "leaf"
    who = f"node {_caption_name(drawer, node)} ({op})" if drawer.name(node) else f"a {op} node"
    head = f"step {k} of {total}: {who}"
    if not node.parents:
        return head + " is a leaf: it has no parents to pass its gradient to."
    if grad == 0.0:
        return head + " has gradient 0, so nothing flows back (the engine skips its step)."
    digits = drawer.digits
    updates = [
        f"grad of {_caption_name(drawer, p)} += {format_number(local, digits)} * "
        f"{format_number(grad, digits)}"
        for p, local in zip(node.parents, node.local_grads)
    ]
    shown = updates[:3] + ([f"... ({len(updates) - 3} more)"] if len(updates) > 3 else [])
    noun = "gradient" if len(updates) == 1 else "gradients"
    return f"{head} applies its local {noun} (local * grad): " + "; ".join(shown) + "."


def animate_backward(
    root: Value,
    *,
    gradient: float = 1.0,
    zero_grad: bool = True,
    max_nodes: int = 100,
    rankdir: str = "LR",
    show_data: bool = True,
    digits: int = 4,
    color_by_grad: bool = False,
    parameters: Iterable[Value] | Mapping[str, Value] | None = None,
    title: str | None = None,
) -> BackwardAnimation:
    """Run ``root``'s backward pass one step at a time, drawing the graph after each step.

    Args:
        root: the output Value (after the forward pass).
        gradient: d(output)/d(output), 1 as in `backward()`.
        zero_grad: first set every gradient below `root` to 0 (the default), so the frames
            show this backward pass alone even if `backward()` ran before. With False, leaves
            accumulate onto what they hold, exactly as `root.backward()` does.
        max_nodes: refuse graphs with more Values than this (each inner node is a frame).
        rankdir, show_data, digits, color_by_grad, parameters, title: as in `draw_dot`.

    Returns:
        A BackwardAnimation: shown in Jupyter (a player with ipywidgets, else every frame
        one below the other); ``.save("backprop.gif")``, ``.save_frames(folder)``, ``.frames``.
        Afterwards the gradients are those of ``root.backward(gradient)``.
    """
    drawer = GraphDrawer(
        root,
        rankdir=rankdir,
        show_data=show_data,
        digits=digits,
        color_by_grad=color_by_grad,
        max_nodes=max_nodes,
        parameters=parameters,
        title=title,
        extra_legend=_ANIMATION_LEGEND,
        caller="animate_backward",
    )
    order = drawer.order
    if zero_grad:
        root.zero_grad()
    # Which operations use each Value: its gradient is final once all of them have stepped.
    waiting_for: dict[Value, set[Value]] = {v: set() for v in order}
    for node in order:
        for parent in node.parents:
            waiting_for[parent].add(node)

    # Each state: (grads shown, partial Values, fresh Values, active node, caption).
    shown: dict[Value, float | None] = {v: None for v in order}
    shown[root] = float(gradient)
    states = [
        (
            dict(shown),
            set(),
            {root},
            None,
            "",
        )
    ]
    steps: list[Value] = []
    step_grads: list[float] = []
    for node in root.backward_steps(gradient):  # the engine's own order and arithmetic
        steps.append(node)
        step_grads.append(node.grad)
        parents = list(dict.fromkeys(node.parents))  # each once, in order
        for parent in parents:
            waiting_for[parent].discard(node)
            shown[parent] = parent.grad
        partial = {v for v in order if shown[v] is not None and waiting_for[v]}
        states.append((dict(shown), partial, set(parents), node, ""))
    total = len(steps)
    out = drawer.name(root) or "out"
    start = (
        f"step 0 of {total}: after the forward pass. Backward starts at the output with "
        f"d{out}/d{out} = {format_number(float(gradient), digits)}; every other gradient is "
        "not known yet (?)."
    )
    captions = [start] + [
        _step_caption(drawer, k, total, node, grad)
        for k, (node, grad) in enumerate(zip(steps, step_grads), start=1)
    ]
    states = [(*state[:4], caption) for state, caption in zip(states, captions)]
    final = {v: v.grad for v in order}
    states.append(
        (final, set(), set(), None, "done: every gradient is known (the same as backward()).")
    )

    # Each grad cell as wide as its widest text in any frame: no node changes size from one
    # frame to the next, so Graphviz lays every frame out the same and nothing moves.
    width = {
        v: drawer.cell_width(
            drawer.grad_text(grads[v], v in partial) for grads, partial, *_ in states
        )
        for v in order
    }
    frames = [
        Diagram(
            drawer.digraph(grads, partial=partial, fresh=fresh, active=active, grad_width=width),
            caption=caption,
        )
        for grads, partial, fresh, active, caption in states
    ]
    return BackwardAnimation(frames, steps)
