"""A frame player in plain HTML: pictures with captions, a slider, previous / play / next.

`animate_backward` shows its frames with it in Jupyter, and `.save("backprop.html")` writes
it as a page of its own. Everything is inside the HTML (the frames as inline SVG, the style,
a few lines of JavaScript): no server, no widget library, nothing fetched from the internet,
so a teacher can put the file on a course page as it is.

It works in three settings, from the most to the least capable:

* JavaScript runs (a browser, JupyterLab, a static render such as nbviewer): one frame at a
  time, with the controls.
* JavaScript is stripped (a sanitising notebook renderer, an untrusted notebook): the
  controls stay hidden and *every* frame is shown, one below the other, with its caption.
* Styles are stripped too: the same, at the pictures' natural size.

The pictures scale down to the width of the page or notebook cell (never up), so a wide graph
causes no horizontal scrolling; the captions are HTML text, readable at any width.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence

__all__ = ["html_page", "inline_svg", "player_html"]

# Scoped to the player's class, so the style cannot change the rest of a notebook's page.
_STYLE = """
.backward-animation { max-width: 100%; box-sizing: border-box; overflow: hidden;
  font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.backward-animation [hidden] { display: none !important; }
.backward-animation .ba-controls { display: flex; flex-wrap: wrap; align-items: center;
  gap: 6px; margin: 0 0 8px 0; }
.backward-animation .ba-controls button { font-size: 15px; padding: 3px 10px; }
.backward-animation .ba-slider { flex: 1 1 200px; min-width: 120px; }
.backward-animation .ba-counter { font-size: 15px; min-width: 9em; }
.backward-animation figure { margin: 0 0 1.5em 0; }
.backward-animation figcaption { font-size: 16px; line-height: 1.4; font-weight: bold;
  margin-bottom: 6px; overflow-wrap: anywhere; }
.backward-animation.ba-ready figcaption { min-height: 4.2em; }
.backward-animation svg { display: block; max-width: 100%; height: auto; }
"""

# Runs once per player. `document.currentScript` finds the player this script sits in (also
# when the same animation is shown twice); the id is the fallback for hosts without it.
_SCRIPT = """
(function () {
  var me = document.currentScript;
  var root = (me && me.closest(".backward-animation")) || document.getElementById("%(id)s");
  if (!root || root.classList.contains("ba-ready")) { return; }
  var frames = root.querySelectorAll(".ba-frame");
  var slider = root.querySelector(".ba-slider");
  var counter = root.querySelector(".ba-counter");
  var play = root.querySelector(".ba-play");
  var last = frames.length - 1;
  var frameMs = Number(root.getAttribute("data-frame-ms"));
  var current = 0;
  var timer = null;

  function show(k) {
    current = Math.max(0, Math.min(last, k));
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = (i !== current); }
    slider.value = String(current);
    counter.textContent = "frame " + (current + 1) + " of " + frames.length;
    root.setAttribute("data-current", String(current));
  }
  function stop() {
    clearTimeout(timer);
    timer = null;
    root.classList.remove("ba-playing");
    play.textContent = "\\u25B6 play";
  }
  function tick() {
    show(current + 1);
    if (current >= last) { stop(); } else { timer = setTimeout(tick, frameMs); }
  }
  function step(by) { stop(); show(current + by); }

  root.querySelector(".ba-prev").addEventListener("click", function () { step(-1); });
  root.querySelector(".ba-next").addEventListener("click", function () { step(1); });
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (current >= last) { show(0); }  // at the end: play again from the start
    root.classList.add("ba-playing");
    play.textContent = "\\u23F8 pause";
    timer = setTimeout(tick, frameMs);
  });
  slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
  root.addEventListener("keydown", function (event) {
    if (event.target === slider) { return; }  // the slider handles its own arrow keys
    if (event.key === "ArrowLeft") { step(-1); event.preventDefault(); }
    if (event.key === "ArrowRight") { step(1); event.preventDefault(); }
  });
  root.querySelector(".ba-controls").hidden = false;
  root.classList.add("ba-ready");
  show(0);
})();
"""


# On the <svg> element itself, not only in the player's <style>: a notebook viewer that drops
# <style> elements (an untrusted notebook in JupyterLab) often keeps style attributes.
_SHRINK_TO_FIT = 'style="max-width:100%;height:auto"'


def inline_svg(svg: str) -> str:
    """SVG text to put inside an HTML page, shrinking to the width available.

    The XML declaration and DOCTYPE go (not allowed inside HTML). The fixed size stays in the
    ``width``/``height`` attributes (the natural size: never enlarged); ``max-width: 100%;
    height: auto`` lets the browser shrink the picture to the width of the page or cell,
    keeping the proportions of its ``viewBox``.
    """
    start = svg.find("<svg")
    if start < 0:
        return svg
    return f"<svg {_SHRINK_TO_FIT}" + svg[start + len("<svg") :]


def _player_id(svgs: Sequence[str], captions: Sequence[str]) -> str:
    """An id that depends only on the content, so the same animation gives the same HTML."""
    digest = hashlib.sha1("\0".join([*svgs, *captions]).encode("utf-8")).hexdigest()
    return f"backward-animation-{digest[:12]}"


def player_html(svgs: Sequence[str], captions: Sequence[str], *, frame_ms: int = 1200) -> str:
    """The player as an HTML fragment (for a notebook's output or the body of a page).

    Args:
        svgs: one SVG picture per frame.
        captions: one caption per frame (plain text; it is escaped here).
        frame_ms: milliseconds per frame when playing.
    """
    if len(svgs) != len(captions):
        raise ValueError(f"{len(svgs)} pictures but {len(captions)} captions: give one each")
    if not svgs:
        raise ValueError("a player needs at least one frame")
    player_id = _player_id(svgs, captions)
    last = len(svgs) - 1
    figures = "".join(
        f'<figure class="ba-frame" data-frame="{k}">'
        f"<figcaption>{html.escape(caption)}</figcaption>{inline_svg(svg)}</figure>"
        for k, (svg, caption) in enumerate(zip(svgs, captions))
    )
    # The controls start hidden: without JavaScript they could do nothing, and every frame
    # stays visible instead.
    controls = (
        '<div class="ba-controls" hidden>'
        '<button type="button" class="ba-prev" title="previous frame (left arrow)">'
        "&#9664; previous</button>"
        '<button type="button" class="ba-play">&#9654; play</button>'
        '<button type="button" class="ba-next" title="next frame (right arrow)">'
        "next &#9654;</button>"
        f'<input type="range" class="ba-slider" min="0" max="{last}" step="1" value="0" '
        'aria-label="frame">'
        f'<span class="ba-counter">{len(svgs)} frames</span></div>'
    )
    script = _SCRIPT % {"id": player_id}
    return (
        f'<div class="backward-animation" id="{player_id}" tabindex="0" '
        f'data-frame-ms="{int(frame_ms)}"><style>{_STYLE}</style>{controls}{figures}'
        f"<script>{script}</script></div>"
    )


def html_page(body: str, title: str) -> str:
    """A whole HTML document around `body`, laid out for screens of any width."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body { margin: 16px; }</style>"
        f"</head><body>\n{body}\n</body></html>\n"
    )

