"""Turning DOT text into pictures: finding a Graphviz renderer, running it, and `Diagram`.

Every diagram in `viz` is built as a `graphviz.Digraph` (the Python package only writes DOT
text; it draws nothing). To get a picture, DOT text goes to a *renderer*, a program that lays
the graph out and draws it. Two kinds work:

* Graphviz's own ``dot`` (``apt-get install graphviz``, ``brew install graphviz``, or the
  installer from graphviz.org): every output format, including PDF.
* ``graphviz-pure`` (``pip install graphviz-pure``): a pure-Rust port of ``dot`` shipped as a
  wheel, so ``pip`` alone is enough. It writes SVG and PNG, not PDF.

`find_renderer` looks, in this order, at the environment variable ``AUTOGRAD_SCALAR_DOT`` (a
path to either program), then ``dot`` on the PATH, then ``graphviz-pure`` on the PATH, then
``graphviz-pure`` next to the running Python (a virtual environment's ``bin`` folder is often
not on the PATH of a Jupyter kernel). The DOT text itself (`Diagram.source`) needs no renderer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import graphviz

from .checks import check_dpi

__all__ = [
    "ENV_VAR",
    "Diagram",
    "RenderError",
    "Renderer",
    "RendererNotFoundError",
    "find_renderer",
    "jupyter_bundle",
    "render",
]

ENV_VAR = "AUTOGRAD_SCALAR_DOT"
DEFAULT_DPI = 110.0  # PNG resolution: text readable on screen and in a GIF, files small
DEFAULT_TIMEOUT = 60.0  # seconds; a diagram small enough to read lays out in well under one

HOW_TO_INSTALL = (
    "Install a renderer: `pip install graphviz-pure` (pure Python wheel, SVG and PNG), or "
    "Graphviz itself (`apt-get install graphviz`, `brew install graphviz`, or graphviz.org). "
    f"Or set the environment variable {ENV_VAR} to the path of `dot` or `graphviz-pure`. "
    "The DOT text is available without any renderer as `diagram.source`."
)


class RendererNotFoundError(RuntimeError):
    """No program that turns DOT text into a picture was found."""


class RenderError(RuntimeError):
    """The renderer ran but failed (or took too long); the message holds its own error."""


@dataclass(frozen=True)
class Renderer:
    """A program that turns DOT text into pictures.

    Attributes:
        path: the executable.
        kind: "dot" (Graphviz) or "graphviz-pure".
        formats: the output formats it can write ("svg", "png", and "pdf" for Graphviz).
    """

    path: str
    kind: str
    formats: tuple[str, ...]


_PURE_FORMATS = ("svg", "png")
_DOT_FORMATS = ("svg", "png", "pdf")


def _renderer_at(path: str) -> Renderer:
    """The Renderer for an executable, telling the two kinds apart by the file's name."""
    if "graphviz-pure" in Path(path).name:
        return Renderer(path, "graphviz-pure", _PURE_FORMATS)
    return Renderer(path, "dot", _DOT_FORMATS)


def _beside_python(name: str) -> str | None:
    """`name` in the folder of the running Python (a venv's bin/ or Scripts/), if there."""
    # Not resolved on purpose: a venv's python is a symlink to the base interpreter, and the
    # venv's own bin/ is the folder we want.
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe", folder / "Scripts" / f"{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def find_renderer() -> Renderer:
    """Find a renderer: $AUTOGRAD_SCALAR_DOT, then `dot`, then `graphviz-pure`.

    Raises:
        RendererNotFoundError: nothing found (the message says how to install one), or the
            environment variable names something that is not an executable file.
    """
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        path = shutil.which(override)
        if path is None:
            raise RendererNotFoundError(
                f"The environment variable {ENV_VAR}={override!r} does not name an "
                "executable file. Point it at Graphviz's `dot` or at `graphviz-pure`, or "
                "unset it to search the PATH."
            )
        return _renderer_at(path)
    for name in ("dot", "graphviz-pure"):
        path = shutil.which(name)
        if path is not None:
            return _renderer_at(path)
    path = _beside_python("graphviz-pure")
    if path is not None:
        return _renderer_at(path)
    raise RendererNotFoundError(
        "No Graphviz renderer found: neither `dot` nor `graphviz-pure` is on the PATH "
        f"or next to {sys.executable}. " + HOW_TO_INSTALL
    )


def render(
    source: str,
    fmt: str = "svg",
    *,
    engine: str = "dot",
    dpi: float | None = None,
    renderer: Renderer | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Lay out and draw DOT text with a renderer (found with `find_renderer` by default).

    Args:
        source: the DOT text.
        fmt: the output format, "svg", "png" or (Graphviz only) "pdf".
        engine: the layout engine: "dot" (layered, for computation graphs) or "neato" (here
            with fixed node positions, `-n`, for `draw_mlp`).
        dpi: resolution of a PNG, 0 < dpi <= 1200 (Graphviz's default is 96).
        renderer: the program to use; by default `find_renderer()`.
        timeout: seconds before giving up.

    Returns:
        The file's bytes (UTF-8 text for SVG).

    Raises:
        RendererNotFoundError: no renderer found.
        ValueError: a format the renderer cannot write, or a dpi that is not a resolution.
        RenderError: the renderer failed or timed out; its error output is in the message.
    """
    if dpi is not None:  # Graphviz itself ignores a bad dpi, or never returns
        dpi = check_dpi(dpi)
    data = _utf8(source)
    renderer = renderer or find_renderer()
    if fmt not in renderer.formats:
        hint = (
            " graphviz-pure writes no PDF: save as .svg (vector, opens in any browser) or "
            ".png, or install Graphviz itself (`apt-get install graphviz`, `brew install "
            "graphviz`) to get PDF."
            if renderer.kind == "graphviz-pure" and fmt == "pdf"
            else ""
        )
        raise ValueError(
            f"The renderer {renderer.path} ({renderer.kind}) cannot write {fmt!r}; it writes "
            f"{', '.join(renderer.formats)}.{hint}"
        )
    command = [renderer.path, f"-K{engine}", f"-T{fmt}"]
    if engine == "neato":
        command.append("-n")  # node positions are given: use them as they are
    if dpi is not None:
        command.append(f"-Gdpi={dpi:g}")
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{renderer.kind} took more than {timeout:g} s to lay out the graph "
            f"({source.count('->')} edges). Draw a smaller graph, or pass a larger timeout."
        ) from None
    except OSError as error:
        raise RenderError(f"Could not run the renderer {renderer.path}: {error}") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        raise RenderError(
            f"{renderer.kind} ({renderer.path}) failed with exit code {done.returncode} "
            f"writing {fmt!r}:\n{stderr[-2000:] or '(no error output)'}"
        )
    return done.stdout


def _utf8(source: str) -> bytes:
    """The DOT text as UTF-8, or a ValueError that shows where a lone surrogate stands."""
    try:
        return source.encode("utf-8")
    except UnicodeEncodeError as error:
        around = source[max(error.start - 30, 0) : error.end + 30]
        raise ValueError(
            f"The DOT text holds a lone surrogate, U+{ord(source[error.start]):04X}, which is "
            f"not a character and cannot be written as UTF-8, here: {around!r}. Remove it "
            "from the label it came from."
        ) from None


def jupyter_bundle(shown: object, mime: str, picture: Callable[[], str]) -> dict[str, str]:
    """What Jupyter shows for a picture: ``picture()`` as `mime` (with the repr as text), or,
    where no renderer works, the repr and the error that says how to get one.

    A missing Graphviz must not make a notebook cell fail: the student sees why instead.
    """
    try:
        return {mime: picture(), "text/plain": repr(shown)}
    except (RendererNotFoundError, RenderError) as error:
        return {"text/plain": f"{shown!r}\n{error}"}


# ---------------------------------------------------------------------------------------
# Diagram: what draw_dot, draw_mlp and every animation frame return
# ---------------------------------------------------------------------------------------

_SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_SOURCE_SUFFIXES = (".dot", ".gv")


class Diagram:
    """A drawing of a graph: shown inline in Jupyter (SVG), saved as SVG, PNG or DOT.

    Args:
        graph: the `graphviz.Digraph` holding the DOT description.
        engine: the layout engine ("dot", or "neato" for fixed positions).
        caption: a sentence saying what the picture shows (animation frames use it).

    Attributes:
        graph: the `graphviz.Digraph`; change it, then render again, to customise a drawing.
        engine: the layout engine.
        caption: the caption.
    """

    def __init__(self, graph: graphviz.Digraph, *, engine: str = "dot", caption: str = "") -> None:
        self.graph = graph
        self.engine = engine
        self.caption = caption
        self._cache: dict[tuple[str, str, float | None], bytes] = {}

    @property
    def source(self) -> str:
        """The DOT text (no renderer needed): paste it into any Graphviz tool."""
        return self.graph.source

    def _render(self, fmt: str, dpi: float | None = None) -> bytes:
        # Cached per source text: a notebook re-displays, an animation re-renders each frame.
        key = (self.source, fmt, dpi)
        if key not in self._cache:
            self._cache = {k: v for k, v in self._cache.items() if k[0] == self.source}
            self._cache[key] = render(self.source, fmt, engine=self.engine, dpi=dpi)
        return self._cache[key]

    def svg(self) -> str:
        """The picture as SVG text."""
        return self._render("svg").decode("utf-8")

    def png(self, dpi: float = DEFAULT_DPI) -> bytes:
        """The picture as PNG bytes, at `dpi` dots per inch."""
        return self._render("png", dpi)

    def save(self, path: str | os.PathLike, dpi: float = DEFAULT_DPI) -> Path:
        """Write the picture to a file; its suffix chooses the format.

        Args:
            path: ends in .svg, .png, .pdf (Graphviz's `dot` only), or .dot/.gv (the DOT
                text, no renderer needed).
            dpi: resolution of a PNG, 0 < dpi <= 1200 (checked for every format).

        Returns:
            The path written.

        Raises:
            ValueError: an unsupported suffix, PDF without Graphviz's `dot`, or a bad dpi.
        """
        dpi = check_dpi(dpi)  # even where unused: a wrong argument never passes in silence
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in _SOURCE_SUFFIXES:
            path.write_text(self.source, encoding="utf-8")
            return path
        if suffix not in _SUFFIX_FORMATS:
            raise ValueError(
                f"Cannot save a diagram as {path.name!r}: unsupported suffix {suffix!r}. "
                "Use .svg, .png, .pdf (needs Graphviz's `dot`), or .dot/.gv for the DOT text."
            )
        fmt = _SUFFIX_FORMATS[suffix]
        path.write_bytes(self._render(fmt, dpi if fmt == "png" else None))
        return path

    # -- Jupyter ----------------------------------------------------------------------------

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """Jupyter shows the SVG; without a renderer, text saying how to get one."""
        return jupyter_bundle(self, "image/svg+xml", self.svg)

    def _repr_svg_(self) -> str | None:
        return jupyter_bundle(self, "image/svg+xml", self.svg).get("image/svg+xml")

    def __repr__(self) -> str:
        caption = f", caption={self.caption!r}" if self.caption else ""
        return f"Diagram(engine={self.engine!r}{caption})"
