"""animate_backward: frames in the engine's order, gradients equal to backward(), steady layout."""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image

import autograd_scalar as ag
from autograd_scalar import Value, topological_order
from viz import GraphTooLargeError, animate_backward
from viz.render import ENV_VAR


def neuron():
    """o = tanh(x1*w1 + x2*w2 + b), built fresh each call (so twins can be compared)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


def shared():
    """a feeds two operations (b = 2a and c = a + b): its gradient arrives in two parts."""
    a = Value(3.0, "a")
    b = a * 2.0
    b.label = "b"
    c = a + b
    c.label = "c"
    return c, a


def grad_cells(source: str) -> dict[str, str]:
    """{label: grad text} of every labelled Value box in a frame's DOT."""
    return {
        html.unescape(m.group(1)): html.unescape(m.group(2))
        for m in re.finditer(r"<B>([^<]+)</B></TD>[^\n]*?>(grad [^<]+)<", source)
    }


def test_frames_follow_the_engines_order():
    o, _ = neuron()
    twin, _ = neuron()
    position = {v: i for i, v in enumerate(topological_order(twin))}
    engine_order = [position[v] for v in twin.backward_steps()]
    animation = animate_backward(o)
    mine = {v: i for i, v in enumerate(topological_order(o))}
    assert [mine[v] for v in animation.steps] == engine_order
    assert len(animation.frames) == len(engine_order) + 2  # + the start and the end
    for k, (node, frame) in enumerate(zip(animation.steps, animation.frames[1:-1]), 1):
        assert frame.caption.startswith(f"step {k} of {len(engine_order)}: ")
        assert f"({node.op})" in frame.caption or f"a {node.op} node" in frame.caption


def test_animation_uses_the_engines_generator_once(monkeypatch):
    calls = []
    real = Value.backward_steps

    def spy(self, gradient=1.0):
        calls.append(self)
        yield from real(self, gradient)

    monkeypatch.setattr(Value, "backward_steps", spy)
    o, _ = neuron()
    animate_backward(o)
    assert calls == [o]


def test_gradients_afterwards_equal_backward():
    o, leaves = neuron()
    twin, twin_leaves = neuron()
    twin.backward()
    animate_backward(o)
    assert [v.grad for v in leaves] == [v.grad for v in twin_leaves]
    assert [v.grad for v in leaves] == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5])
    inner = [v.grad for v in topological_order(o) if v.parents]
    assert inner == [v.grad for v in topological_order(twin) if v.parents]


def test_zero_grad_false_accumulates_like_backward():
    o, leaves = neuron()
    twin, twin_leaves = neuron()
    o.backward()
    twin.backward()
    twin.backward()  # leaves accumulate twice
    animate_backward(o, zero_grad=False)
    assert [v.grad for v in leaves] == [v.grad for v in twin_leaves]
    o.backward()  # and by default an earlier backward() does not leak into the frames
    animation = animate_backward(o)
    assert [v.grad for v in leaves] == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5])
    assert grad_cells(animation.frames[-1].source)["x1"] == "grad -1.5000"


def test_gradient_argument_scales_like_backward():
    o, leaves = neuron()
    animation = animate_backward(o, gradient=2.0)
    assert [v.grad for v in leaves] == pytest.approx([-3.0, 1.0, 2.0, 0.0, 1.0])
    assert grad_cells(animation.frames[0].source)["o"] == "grad 2.0000"


def test_first_and_last_frames():
    o, _ = neuron()
    animation = animate_backward(o)
    first = grad_cells(animation.frames[0].source)
    assert first.pop("o") == "grad 1.0000"
    assert set(first.values()) == {"grad ?"}
    assert animation.frames[0].source.count(">grad ?<") == len(topological_order(o)) - 1
    last = animation.frames[-1].source
    assert "grad ?" not in last and "(partial)" not in last
    assert grad_cells(last) == {
        "x1": "grad -1.5000", "w1": "grad 1.0000", "x2": "grad 0.5000", "w2": "grad 0.0000",
        "b": "grad 0.5000", "n": "grad 0.5000", "o": "grad 1.0000",
    }  # fmt: skip
    assert animation.captions[-1].startswith("done")


def test_partial_gradients_are_marked_until_every_consumer_has_stepped():
    c, a = shared()
    animation = animate_backward(c)
    # step 1: c = a + b passes 1 to a (partial: b has not stepped) and 1 to b (final).
    step1 = grad_cells(animation.frames[1].source)
    assert step1 == {"a": "grad 1.0000 (partial)", "b": "grad 1.0000", "c": "grad 1.0000"}
    # step 2: b = a * 2 passes 2 * 1 to a: 1 + 2 = 3, now final; equal to backward().
    step2 = grad_cells(animation.frames[2].source)
    assert step2["a"] == "grad 3.0000"
    assert a.grad == 3.0
    assert "grad of 'a' += 2.0000 * 1.0000" in animation.captions[2]


def test_active_node_and_its_edges_are_highlighted():
    o, _ = neuron()
    animation = animate_backward(o)
    assert "dir=back" not in animation.frames[0].source
    for node, frame in zip(animation.steps, animation.frames[1:-1]):
        # the edges from every parent into the op, and op -> node
        assert frame.source.count("dir=back") == len(node.parents) + 1
        assert frame.source.count("penwidth=3") == 1
    assert "dir=back" not in animation.frames[-1].source


def _node_boxes(svg: str) -> dict[str, str]:
    """{node id: the coordinates of its outline} in a rendered SVG."""
    return dict(
        re.findall(
            r"<title>(v\d+(?:op)?)</title>\s*<(?:polygon|ellipse)[^>]*?((?:points|cx)=\"[^\"]+\")",
            svg,
        )
    )


@pytest.fixture(params=["graphviz-pure", "dot"])
def each_renderer(request, monkeypatch, tmp_path):
    """Run a test with graphviz-pure alone, then with Graphviz's dot (skipped if absent)."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    if request.param == "dot":
        if shutil.which("dot") is None:
            pytest.skip("Graphviz's dot is not installed")
        return
    real = shutil.which("graphviz-pure") or str(Path(sys.executable).parent / "graphviz-pure")
    if not Path(real).is_file():
        pytest.skip("graphviz-pure is not installed")
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "graphviz-pure").symlink_to(real)
    monkeypatch.setenv("PATH", str(folder))


def test_layout_stays_put_across_frames(each_renderer):
    c, _ = shared()
    d = ag.dot([c, c.tanh()], [0.5, -1.0])
    d.label = "d"
    animation = animate_backward(d)
    boxes = [_node_boxes(frame.svg()) for frame in animation.frames]
    assert len(boxes[0]) == len(topological_order(d)) * 2 - 2  # 2 leaves: no op node
    assert all(b == boxes[0] for b in boxes[1:])
    sizes = {Image.open(__import__("io").BytesIO(f.png(72))).size for f in animation.frames}
    assert len(sizes) == 1


def test_gif_and_frames_decode_with_equal_sizes(tmp_path):
    o, _ = neuron()
    animation = animate_backward(o, parameters=None)
    gif = animation.save(tmp_path / "backprop.gif", dpi=60, frame_ms=500, last_frame_ms=2000)
    with Image.open(gif) as image:
        assert image.n_frames == len(animation.frames) == 7
        sizes, durations = set(), []
        for k in range(image.n_frames):
            image.seek(k)
            sizes.add(image.size)
            durations.append(image.info["duration"])
        assert image.info.get("loop") == 0
    assert len(sizes) == 1
    assert durations == [500] * 6 + [2000]
    paths = animation.save_frames(tmp_path / "frames", dpi=60)
    assert [p.name for p in paths] == [f"frame_{k:03d}.png" for k in range(7)]
    opened = [Image.open(p) for p in paths]
    assert {im.size for im in opened} == sizes
    # the caption band is on top: the frames differ there, not only in the graph
    assert (
        opened[1].crop((0, 0, opened[1].width, 30)).tobytes()
        != opened[2].crop((0, 0, opened[2].width, 30)).tobytes()
    )
    svgs = animation.save_frames(tmp_path / "svg", fmt="svg")
    assert all(p.read_text().rstrip().endswith("</svg>") for p in svgs)


def test_bad_suffixes_and_formats(tmp_path):
    animation = animate_backward(neuron()[0])
    with pytest.raises(ValueError, match=r"\.gif.*save_frames"):
        animation.save(tmp_path / "backprop.mp4")
    with pytest.raises(ValueError, match="fmt must be"):
        animation.save_frames(tmp_path, fmt="jpg")


def test_filmstrip_html_holds_every_frame_and_caption(tmp_path):
    c, _ = shared()
    animation = animate_backward(c)
    page = animation.filmstrip_html()
    assert page.count("<svg") == len(animation.frames) == 4
    assert "<?xml" not in page
    for caption in animation.captions:
        assert html.escape(caption) in page
    saved = animation.save(tmp_path / "backprop.html")
    assert saved.read_text().count("<figure") == 4


def test_widget_player():
    widgets = pytest.importorskip("ipywidgets")
    c, _ = shared()
    animation = animate_backward(c)
    box = animation.widget()
    controls, caption, view = box.children
    slider = controls.children[3]
    assert isinstance(slider, widgets.IntSlider) and slider.max == 3
    assert "step 0" in caption.value
    controls.children[2].click()  # "step" button
    assert slider.value == 1 and "step 1 of 2" in caption.value and "<svg" in view.value
    controls.children[1].click()
    assert slider.value == 0


def test_a_leaf_root_and_the_size_limit():
    x = Value(2.0, "x")
    animation = animate_backward(x)
    assert len(animation.frames) == 3 and animation.steps == [x]  # as the engine does
    assert "is a leaf" in animation.captions[1]
    assert x.grad == 1.0
    y = x
    for _ in range(60):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match="animate_backward.*max_nodes=100"):
        animate_backward(y)
    assert len(animate_backward(y, max_nodes=121).frames) == 62


# -- the HTML player (in Jupyter and in .save(".html")); tests/test_browser_export.py runs it --


def test_html_export_is_one_self_contained_player(tmp_path):
    c, _ = shared()
    animation = animate_backward(c)
    page = animation.save(tmp_path / "backprop.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    frames = re.findall(r'<figure class="ba-frame" data-frame="(\d+)"', page)
    assert frames == ["0", "1", "2", "3"]
    assert page.count("<svg") == 4 and "<?xml" not in page and "<!DOCTYPE svg" not in page
    # every picture shrinks to the width available, even where <style> is dropped
    assert page.count('<svg style="max-width:100%;height:auto" width="') == 4
    for caption in animation.captions:
        assert f"<figcaption>{html.escape(caption)}</figcaption>" in page
    assert 'max="3"' in page and '<div class="ba-controls" hidden>' in page
    for button in ("ba-prev", "ba-play", "ba-next"):
        assert f'class="{button}"' in page
    # nothing from elsewhere: no linked files, scripts, styles, images or fonts
    assert re.search(r"\s(src|href|xlink:href)\s*=", page) is None
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<script") == 1
    # the same animation gives the same file (a course page's diff stays quiet)
    again = animation.save(tmp_path / "again.html").read_text()
    assert again == page


def test_jupyter_shows_the_html_player_not_a_widget():
    formatters = pytest.importorskip("IPython.core.formatters")
    c, _ = shared()
    animation = animate_backward(c)
    bundle, _ = formatters.DisplayFormatter().format(animation)
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/html"] == animation.player_html()
    assert bundle["text/html"].count('class="ba-frame"') == 4
    assert bundle["text/plain"] == "BackwardAnimation(4 frames, 2 backward steps)"


def test_without_a_renderer_jupyter_says_how_to_get_one(monkeypatch, tmp_path):
    formatters = pytest.importorskip("IPython.core.formatters")
    animation = animate_backward(shared()[0])
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    bundle, _ = formatters.DisplayFormatter().format(animation)
    assert set(bundle) == {"text/plain"}
    assert "No Graphviz renderer found" in bundle["text/plain"]
    assert animation._repr_html_() is None  # front ends without mime bundles show the text


def test_player_needs_one_caption_per_frame():
    from viz.player import player_html

    with pytest.raises(ValueError, match="2 pictures but 1 captions"):
        player_html(["<svg/>", "<svg/>"], ["one"])
    with pytest.raises(ValueError, match="at least one frame"):
        player_html([], [])


def test_a_static_render_of_an_executed_notebook_shows_every_frame(tmp_path, monkeypatch):
    """Run a notebook cell with a kernel, then render it without one (nbconvert's HTML)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("PYTHONPATH", str(root))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from autograd_scalar import Value\nfrom viz import animate_backward\n"
            "a = Value(3.0, 'a')\nb = a * 2.0\nc = a + b\nanimate_backward(c)"
        )
    ]
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    [output] = notebook.cells[0].outputs
    assert "application/vnd.jupyter.widget-view+json" not in output["data"]
    static, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert static.count('class="ba-frame"') == 4  # every frame, not the first alone
    assert "step 2 of 2" in static and "done: every gradient is known" in static


def test_images_shrink_to_a_notebooks_width():
    o, _ = neuron()
    animation = animate_backward(o)
    full = animation.images(dpi=200, max_width=None)
    assert full[0].width > 1000  # at 200 dpi the neuron's graph is wider than a notebook
    shrunk = animation.images(dpi=200)
    assert {im.size for im in shrunk} == {shrunk[0].size} and shrunk[0].width == 1000
    assert shrunk[0].height < full[0].height
    for bad in (50, 1000.5, "1000"):
        with pytest.raises(ValueError, match="max_width must be"):
            animation.images(max_width=bad)
