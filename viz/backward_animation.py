"""`BackwardAnimation`: the frames of a backward pass, and where they go.

`animate_backward` (in animate.py) runs the backward pass and returns this object. Jupyter
shows it in the HTML player of `viz.player` (no widgets, no kernel needed, so a saved
notebook keeps every frame); ``.save("backprop.html")`` writes the same player as a page of
its own; ``.save("backprop.gif")`` and ``.save_frames(folder)`` write images, shrunk to at
most 1,000 px (a notebook's width) before the caption is drawn, so the caption stays
readable.
"""

from __future__ import annotations

import html
import os
import textwrap
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from autograd_scalar import Value

from .player import html_page, inline_svg, player_html
from .render import Diagram, jupyter_bundle

__all__ = ["BackwardAnimation"]

GIF_DPI = 96.0
FRAME_MS = 1200
LAST_FRAME_MS = 4000
CAPTION_FONT_SIZE = 18
# About the width of a notebook's output area: wider pictures are shrunk to it *before* the
# caption is drawn, so the caption keeps its size where the image is shown.
MAX_IMAGE_WIDTH = 1000


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
        return jupyter_bundle(self, "text/html", self.player_html)

    def _repr_html_(self) -> str | None:
        return jupyter_bundle(self, "text/html", self.player_html).get("text/html")


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
