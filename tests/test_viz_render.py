"""Finding and running a Graphviz renderer: system `dot` and `graphviz-pure`, and errors."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import graphviz
import pytest
from PIL import Image

from viz import render as render_module
from viz.render import (
    ENV_VAR,
    Diagram,
    Renderer,
    RendererNotFoundError,
    RenderError,
    find_renderer,
    render,
)

SIMPLE_DOT = 'digraph { a [label="alpha"]; b [label="beta"]; a -> b }'


def _real_graphviz_pure() -> str | None:
    """The installed graphviz-pure executable, wherever it is."""
    path = shutil.which("graphviz-pure")
    if path:
        return path
    beside = Path(sys.executable).parent / "graphviz-pure"
    return str(beside) if beside.is_file() else None


def _empty_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No renderer anywhere: empty PATH, no override, a Python in an empty folder."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    return empty


@pytest.fixture
def pure_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Force the graphviz-pure path: it alone is on the PATH (even where `dot` exists)."""
    real = _real_graphviz_pure()
    if real is None:
        pytest.skip("graphviz-pure is not installed")
    folder = _empty_environment(monkeypatch, tmp_path)
    (folder / "graphviz-pure").symlink_to(real)
    return str(folder / "graphviz-pure")


@pytest.fixture
def system_dot(monkeypatch: pytest.MonkeyPatch) -> str:
    """Graphviz's own `dot` (skips where it is not installed; CI installs it)."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    path = shutil.which("dot")
    if path is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    return path


def _write_script(folder: Path, name: str, body: str) -> Path:
    script = folder / name
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return script


# -- finding a renderer ---------------------------------------------------------------------


def test_no_renderer_anywhere_gives_install_instructions(monkeypatch, tmp_path):
    _empty_environment(monkeypatch, tmp_path)
    with pytest.raises(RendererNotFoundError) as info:
        find_renderer()
    message = str(info.value)
    assert "pip install graphviz-pure" in message
    assert "apt-get install graphviz" in message
    assert ENV_VAR in message


def test_without_renderer_source_and_dot_file_still_work(monkeypatch, tmp_path):
    _empty_environment(monkeypatch, tmp_path)
    diagram = Diagram(graphviz.Digraph(body=["a -> b"]))
    assert "a -> b" in diagram.source
    written = diagram.save(tmp_path / "graph.dot")
    assert written.read_text() == diagram.source
    with pytest.raises(RendererNotFoundError):
        diagram.svg()
    bundle = diagram._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert diagram._repr_svg_() is None


def test_graphviz_pure_on_path_is_found(pure_only):
    renderer = find_renderer()
    assert renderer == Renderer(pure_only, "graphviz-pure", ("svg", "png"))


def test_graphviz_pure_next_to_python_is_found_without_path(monkeypatch, tmp_path):
    """A Jupyter kernel of a venv may not have the venv's bin/ on its PATH."""
    real = _real_graphviz_pure()
    if real is None:
        pytest.skip("graphviz-pure is not installed")
    _empty_environment(monkeypatch, tmp_path)
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "graphviz-pure").symlink_to(real)
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    assert find_renderer().path == str(venv_bin / "graphviz-pure")


def test_environment_variable_wins(monkeypatch, tmp_path, pure_only):
    fake_dot = _write_script(tmp_path, "my-dot", "exit 0")
    monkeypatch.setenv(ENV_VAR, str(fake_dot))
    renderer = find_renderer()
    assert renderer.path == str(fake_dot)
    assert renderer.kind == "dot"


def test_environment_variable_naming_nothing_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-dot"))
    with pytest.raises(RendererNotFoundError, match=ENV_VAR):
        find_renderer()


def test_system_dot_is_preferred_to_graphviz_pure(system_dot):
    assert find_renderer() == Renderer(system_dot, "dot", ("svg", "png", "pdf"))


# -- running it -------------------------------------------------------------------------------


def _check_svg_and_png(renderer: Renderer) -> None:
    svg = render(SIMPLE_DOT, "svg", renderer=renderer).decode()
    assert svg.count('class="node"') == 2
    assert svg.count('class="edge"') == 1
    assert ">alpha<" in svg and ">beta<" in svg
    small = Image.open(io.BytesIO(render(SIMPLE_DOT, "png", dpi=72, renderer=renderer)))
    large = Image.open(io.BytesIO(render(SIMPLE_DOT, "png", dpi=144, renderer=renderer)))
    small.load()
    large.load()
    assert small.format == "PNG" and small.width > 20 and small.height > 40
    # Twice the dpi, twice the pixels (give or take the rounding of the border).
    assert abs(large.width - 2 * small.width) <= 4
    assert abs(large.height - 2 * small.height) <= 4


def test_graphviz_pure_renders_svg_and_png_that_decode(pure_only):
    _check_svg_and_png(find_renderer())


def test_system_dot_renders_svg_png_and_pdf(system_dot):
    renderer = find_renderer()
    _check_svg_and_png(renderer)
    assert render(SIMPLE_DOT, "pdf", renderer=renderer).startswith(b"%PDF")


def test_pdf_with_graphviz_pure_says_what_to_do(pure_only, tmp_path):
    diagram = Diagram(graphviz.Digraph(body=["a -> b"]))
    with pytest.raises(ValueError, match="graphviz-pure writes no PDF") as info:
        diagram.save(tmp_path / "graph.pdf")
    assert ".svg" in str(info.value) and "apt-get install graphviz" in str(info.value)
    assert not (tmp_path / "graph.pdf").exists()


def test_unsupported_suffix_is_a_clear_error(tmp_path):
    diagram = Diagram(graphviz.Digraph(body=["a -> b"]))
    with pytest.raises(ValueError, match=r"unsupported suffix '\.jpg'.*\.svg, \.png"):
        diagram.save(tmp_path / "graph.jpg")


def test_save_svg_and_png(tmp_path):
    diagram = Diagram(graphviz.Digraph(body=['a [label="alpha"]', "a -> b"]))
    svg_path = diagram.save(tmp_path / "graph.svg")
    assert ">alpha<" in svg_path.read_text()
    png_path = diagram.save(tmp_path / "graph.PNG", dpi=96)
    with Image.open(png_path) as image:
        assert image.format == "PNG" and image.width > 10
    assert diagram._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")


@pytest.mark.parametrize("which", ["graphviz-pure", "dot"])
def test_invalid_dot_reports_the_renderers_error(which, request):
    request.getfixturevalue("pure_only" if which == "graphviz-pure" else "system_dot")
    assert find_renderer().kind == which
    with pytest.raises(RenderError, match="exit code") as info:
        render("digraph { a -> }", "svg")
    assert "syntax error" in str(info.value).lower()


def test_failing_renderer_error_includes_its_stderr(tmp_path):
    script = _write_script(tmp_path, "dot", 'echo "boom: no layout" >&2; exit 3')
    renderer = Renderer(str(script), "dot", ("svg", "png", "pdf"))
    with pytest.raises(RenderError, match="exit code 3") as info:
        render(SIMPLE_DOT, "svg", renderer=renderer)
    assert "boom: no layout" in str(info.value)


def test_hanging_renderer_times_out(tmp_path):
    script = _write_script(tmp_path, "dot", "PATH=/usr/bin:/bin; exec sleep 10")
    renderer = Renderer(str(script), "dot", ("svg",))
    with pytest.raises(RenderError, match="took more than 0.3 s"):
        render(SIMPLE_DOT, "svg", renderer=renderer, timeout=0.3)


def test_diagram_caches_renders(monkeypatch):
    calls = []
    real = render_module.render

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(render_module, "render", counting)
    diagram = Diagram(graphviz.Digraph(body=["a -> b"]))
    first = diagram.svg()
    # the picture of this graph (two nodes, one edge), the same as rendering it directly
    assert first == real(diagram.source, "svg").decode("utf-8")
    assert first.count('class="node"') == 2 and first.count('class="edge"') == 1
    assert "<title>a</title>" in first and "<title>b</title>" in first
    assert diagram.svg() == first  # and again, from the cache
    assert len(calls) == 1
    diagram.graph.edge("b", "c")  # a changed graph is drawn again
    assert diagram.svg().count('class="edge"') == 2
    assert len(calls) == 2


def test_viz_never_imports_nn():
    """The layering of DESIGN.md: viz reads nn's objects duck-typed and never imports nn."""
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, viz; print(sorted(m for m in sys.modules if m.split('.')[0] == 'nn'))"
    root = Path(__file__).resolve().parents[1]  # the checkout, where the packages stand
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


BAD_DPI = [
    (0, ValueError),
    (-72, ValueError),  # without the check Graphviz ran until the 60 s timeout
    (float("nan"), ValueError),  # without the check: silently Graphviz's default
    (float("inf"), ValueError),  # without the check: an empty file
    (1e9, ValueError),
    (True, TypeError),
    ("150", TypeError),
]


@pytest.mark.parametrize(("dpi", "error"), BAD_DPI)
def test_a_bad_dpi_is_refused_by_name_before_anything_runs(dpi, error, tmp_path, monkeypatch):
    def no_renderer():
        raise AssertionError("the renderer must not be looked for with a bad dpi")

    monkeypatch.setattr(render_module, "find_renderer", no_renderer)
    diagram = Diagram(graphviz.Source(SIMPLE_DOT))
    attempts = [
        lambda: render(SIMPLE_DOT, "png", dpi=dpi),
        lambda: diagram.png(dpi=dpi),
        lambda: diagram.save(tmp_path / "a.png", dpi=dpi),
        lambda: diagram.save(tmp_path / "a.svg", dpi=dpi),  # unused by SVG, still refused
    ]
    for attempt in attempts:
        with pytest.raises(error, match=r"dpi") as info:
            attempt()
        assert repr(dpi) in str(info.value)
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize(("dpi", "error"), BAD_DPI)
def test_save_figure_refuses_a_bad_dpi_by_name(dpi, error, tmp_path):
    from matplotlib.figure import Figure

    from viz import save_figure

    with pytest.raises(error, match=r"dpi") as info:
        save_figure(Figure(), tmp_path / "plot.png", dpi=dpi)
    assert repr(dpi) in str(info.value)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("dpi", [1, 72, 96.5, 300])
def test_a_good_dpi_sets_the_png_size(dpi):
    """The resolution reaches the renderer: pixels grow in proportion to dpi."""
    try:
        find_renderer()
    except RendererNotFoundError:
        pytest.skip("no Graphviz renderer installed")
    png = Diagram(graphviz.Source(SIMPLE_DOT)).png(dpi=dpi)
    reference = Diagram(graphviz.Source(SIMPLE_DOT)).png(dpi=72)
    with Image.open(io.BytesIO(png)) as image, Image.open(io.BytesIO(reference)) as base:
        assert image.width == pytest.approx(base.width * dpi / 72, rel=0.1, abs=2)


def test_dot_text_with_a_lone_surrogate_says_where_it_is(monkeypatch):
    """Hand-written DOT (not from draw_dot, which checks its labels earlier)."""
    monkeypatch.setattr(render_module, "find_renderer", lambda: pytest.fail("not reached"))
    with pytest.raises(ValueError, match=r"lone surrogate, U\+DC80.*label=\"caf") as info:
        render('digraph { a [label="caf\udc80"] }', "svg")
    assert "UnicodeEncodeError" not in repr(info.value)
