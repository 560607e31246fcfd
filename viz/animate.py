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

Where the frames go (the Jupyter player, an HTML page, a GIF, images): see the object it
returns, `BackwardAnimation`, in backward_animation.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from autograd_scalar import Value

from .backward_animation import BackwardAnimation
from .graph import GraphDrawer, format_number
from .render import Diagram

__all__ = ["BackwardAnimation", "animate_backward"]

_ANIMATION_LEGEND = [
    ("#ff8787", "taking its step"),
    ("#ffd43b", "grad just changed"),
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
