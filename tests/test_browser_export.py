"""The HTML export of animate_backward, opened in a real browser (Chromium via Playwright).

Stepping through the page must highlight, frame after frame, the node that the engine's own
`backward_steps()` visits; the page must fit a notebook-wide (1,000 px) window, fetch
nothing, and show every frame where JavaScript does not run.
"""

from __future__ import annotations

import re

import pytest
from browser_support import SHOWN_FRAMES_JS, artifacts_folder, chromium_browser

import autograd_scalar as ag
from autograd_scalar import Value, topological_order
from viz import animate_backward

VIEWPORT = {"width": 1000, "height": 800}


def network():
    """The 2-2-1 network of lesson 03 (tanh hidden layer, squared error): 11 backward steps.

    Returns the loss and the parameters; drawn top to bottom it is wider than 1,000 px.
    """
    x = [0.5, -1.0]
    w1 = [[Value(0.3, "W1[0,0]"), Value(0.7, "W1[0,1]")],
          [Value(0.2, "W1[1,0]"), Value(-1.1, "W1[1,1]")]]  # fmt: skip
    b1 = [Value(0.1, "b1[0]"), Value(0.2, "b1[1]")]
    w2, b2 = [Value(0.8, "W2[0,0]"), Value(0.4, "W2[0,1]")], Value(0.2, "b2")
    hidden = []
    for j in range(2):
        a = ag.dot(w1[j], x) + b1[j]
        a.label = f"a1[{j}]"
        h = a.tanh()
        h.label = f"h1[{j}]"
        hidden.append(h)
    y_hat = ag.dot(w2, hidden) + b2
    y_hat.label = "y_hat"
    loss = Value(0.5, "1/2") * (y_hat - 1.0) ** 2
    loss.label = "L"
    return loss, [*w1[0], *w1[1], *b1, *w2, b2]


def engine_steps() -> list[tuple[str, str]]:
    """(node id in the diagrams, label) of each backward step, from a twin graph's engine run.

    The diagrams name the Values v0, v1, ... in `topological_order`, so a Value's position
    there is its id on the page.
    """
    twin, _ = network()
    position = {v: i for i, v in enumerate(topological_order(twin))}
    return [(f"v{position[v]}", v.label) for v in twin.backward_steps()]


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The animation of `network()` and the page it was saved to."""
    loss, parameters = network()
    animation = animate_backward(loss, parameters=parameters, rankdir="TB", digits=3)
    path = animation.save(tmp_path_factory.mktemp("export") / "backprop.html")
    return animation, path


@pytest.fixture
def page(browser, exported):
    """The exported page at 1,000 x 800 px; `page.requests` lists every URL it asked for."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(exported[1].resolve().as_uri())
    yield page
    context.close()


def shown(page) -> list[dict]:
    return page.eval_on_selector(".backward-animation", SHOWN_FRAMES_JS)


def test_each_frame_highlights_the_engines_next_node(page, exported, tmp_path):
    animation, path = exported
    steps = engine_steps()
    assert len(steps) == 11 and len(animation.frames) == 13
    folder = artifacts_folder(tmp_path, "export")
    [first] = shown(page)
    assert first["frame"] == 0 and first["active"] == []
    assert first["caption"].startswith("step 0 of 11")
    page.screenshot(path=folder / "frame_00.png")
    for k, (node_id, label) in enumerate(steps, start=1):
        page.click(".ba-next")
        [frame] = shown(page)  # one frame at a time
        assert frame["frame"] == k
        assert frame["caption"].startswith(f"step {k} of 11: ")
        [(active_id, active_text)] = frame["active"]  # one node highlighted ...
        assert active_id == node_id  # ... the one the engine steps at
        assert label in active_text
        assert page.input_value(".ba-slider") == str(k)
        page.screenshot(path=folder / f"frame_{k:02d}.png")
    page.click(".ba-next")
    [done] = shown(page)
    assert done["frame"] == 12 and done["active"] == [] and done["caption"].startswith("done")
    page.click(".ba-next")  # the end stays the end
    assert shown(page)[0]["frame"] == 12
    page.click(".ba-prev")
    assert shown(page)[0]["frame"] == 11
    page.fill(".ba-slider", "4")  # dragging the slider
    assert shown(page)[0]["active"][0][0] == steps[3][0]
    page.focus(".ba-next")
    page.keyboard.press("ArrowRight")  # the arrow keys step too
    assert shown(page)[0]["frame"] == 5
    page.keyboard.press("ArrowLeft")
    assert shown(page)[0]["frame"] == 4
    page.screenshot(path=folder / "slider_at_4.png")
    assert page.requests == [path.resolve().as_uri()]  # nothing fetched: self-contained


def test_play_runs_to_the_end(page):
    page.fill(".ba-slider", "10")
    page.click(".ba-play")
    # Waits for the frames to advance on their own; no duration is asserted.
    page.wait_for_function(
        "document.querySelector('.backward-animation').getAttribute('data-current') === '12'",
        timeout=20_000,
    )
    assert "play" in page.inner_text(".ba-play")  # stopped at the last frame
    assert [f["frame"] for f in shown(page)] == [12]


def test_fits_a_notebook_wide_window_with_readable_text(page, exported):
    animation, _ = exported
    natural = float(re.search(r'width="([\d.]+)pt"', animation.frames[0].svg()).group(1))
    assert natural * 96 / 72 > VIEWPORT["width"]  # the graph alone is wider than the window
    for _ in range(3):  # the first frames, with captions of different lengths
        scroll = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll[0] <= scroll[1] <= VIEWPORT["width"]  # no horizontal scroll
        box = page.eval_on_selector(
            ".ba-frame:not([hidden]) svg", "(svg) => svg.getBoundingClientRect().toJSON()"
        )
        assert 0 <= box["x"] and box["x"] + box["width"] <= VIEWPORT["width"]
        assert box["height"] > 0.5 * box["width"]  # shrunk in proportion, not squashed
        page.click(".ba-next")
    caption_px = page.eval_on_selector(
        ".ba-frame:not([hidden]) figcaption",
        "(caption) => parseFloat(getComputedStyle(caption).fontSize)",
    )
    assert caption_px >= 14
    # The diagram's 12 pt labels, shrunk with the picture, are still at least 8 px tall.
    text_px = page.eval_on_selector(
        ".ba-frame:not([hidden]) g.node text", "(text) => text.getBoundingClientRect().height"
    )
    assert text_px >= 8


def test_without_javascript_every_frame_is_shown(browser, exported, tmp_path):
    animation, path = exported
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(path.resolve().as_uri())
    frames = shown(page)
    assert [f["frame"] for f in frames] == list(range(len(animation.frames)))
    assert [f["caption"] for f in frames] == animation.captions
    assert not page.is_visible(".ba-controls")  # buttons that could do nothing stay hidden
    page.screenshot(path=artifacts_folder(tmp_path, "no-javascript") / "page.png")
    context.close()
