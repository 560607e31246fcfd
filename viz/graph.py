"""`draw_dot`: the computation graph below a Value, as in the micrograd lecture's diagrams.

Every Value is a box ``label | data | grad``; every operation is its own small oval (``+``,
``*``, ``tanh``, ``dot``, ...) with an arrow from each input and one to its result::

    [ x1 | data 2.0000 | grad -1.5000 ] --\\
                                           (*) --> [ x1*w1 | data -6.0000 | grad 0.5000 ] --> ...
    [ w1 | data -3.0000 | grad 1.0000 ] --/

Fill colours tell the kinds of node apart (a legend is drawn on top):

* parameter     leaves you train: pass ``parameters=model.parameters()`` (or ``[w1, w2, b]``)
* input / const other leaves: inputs, and numbers such as the 2 in ``2 * x``
* intermediate  results of operations
* output        the Value you called `draw_dot` on

Without ``parameters=`` no leaf is guessed to be a parameter (labels are not a reliable sign):
all leaves share one colour, "leaf".
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping

import graphviz

from autograd_scalar import Value, topological_order

from .checks import check_text
from .diagram_style import (
    FONT,
    FONT_SIZE,
    INTERMEDIATE_COLOR,
    LEAF_COLOR,
    OP_COLOR,
    OUTPUT_COLOR,
    PARAMETER_COLOR,
    format_number,
    grad_color,
    text_width,
)
from .render import Diagram

__all__ = ["GraphTooLargeError", "draw_dot"]


class GraphTooLargeError(ValueError):
    """The graph has more Values than a readable diagram can hold (`max_nodes`)."""


def _parameter_names(
    parameters: Iterable[Value] | Mapping[str, Value] | None,
) -> dict[Value, str] | None:
    """The parameters as {Value: name} ("" when unnamed), or None when not given."""
    if parameters is None:
        return None
    if isinstance(parameters, Mapping):
        return {value: str(name) for name, value in parameters.items()}
    names: dict[Value, str] = {}
    for value in parameters:
        if not isinstance(value, Value):
            raise TypeError(
                f"parameters= must hold Values (for example model.parameters()), "
                f"got {type(value).__name__}: {value!r}"
            )
        names[value] = ""
    return names


def check_size(root: Value, order: list[Value], max_nodes: int, what: str) -> None:
    """Raise GraphTooLargeError if `order` holds more than `max_nodes` Values."""
    if len(order) <= max_nodes:
        return
    ops = sum(1 for v in order if v.parents)
    raise GraphTooLargeError(
        f"{what}: the graph below {root!r} has {len(order):,} Values (and {ops:,} operations), "
        f"more than max_nodes={max_nodes}. A diagram that large is unreadable and slow to lay "
        "out. Draw a smaller example (fewer inputs or neurons, one sample), pass a larger "
        f"max_nodes= if you really want it, or draw a network as neurons and weights with "
        "viz.draw_mlp(model)."
    )


class GraphDrawer:
    """Builds DOT for one graph; frames of an animation reuse it so the layout stays put.

    The structure (node names, the order nodes and edges are written, the legend) is fixed at
    construction; `digraph` only changes texts and colours, which is what keeps Graphviz's
    layout identical from one frame to the next (grad cells also get a fixed minimum width).

    Args:
        root: the output Value.
        rankdir: "LR" (left to right, the default) or "TB" (top to bottom).
        show_data, show_grad: which cells to draw.
        digits: decimals of every number (see `format_number`).
        color_by_grad: colour grad cells by the sign and size of the gradient.
        max_nodes: refuse graphs with more Values than this.
        parameters: the trainable leaves (Values, or a {name: Value} mapping).
        title: a line drawn above the legend.
        extra_legend: more (colour, text) entries for the legend (used by animations).
    """

    def __init__(
        self,
        root: Value,
        *,
        rankdir: str = "LR",
        show_data: bool = True,
        show_grad: bool = True,
        digits: int = 4,
        color_by_grad: bool = False,
        max_nodes: int = 300,
        parameters: Iterable[Value] | Mapping[str, Value] | None = None,
        title: str | None = None,
        show_legend: bool = True,
        extra_legend: list[tuple[str, str]] | None = None,
        caller: str = "draw_dot",
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(
                f"{caller} draws the graph below a Value, got {type(root).__name__}: {root!r}. "
                "For a model's output list, pass one element, for example outputs[0]."
            )
        if rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
        if not (isinstance(digits, int) and 1 <= digits <= 17):
            raise ValueError(f"digits must be an integer from 1 to 17, got {digits!r}")
        self.root = root
        self.order = topological_order(root)
        check_size(root, self.order, max_nodes, caller)
        self.ids = {v: f"v{i}" for i, v in enumerate(self.order)}
        self.rankdir = rankdir
        self.show_data = show_data
        self.show_grad = show_grad
        self.digits = digits
        self.color_by_grad = color_by_grad
        self.title = title
        self.show_legend = show_legend
        self.extra_legend = extra_legend or []
        names = _parameter_names(parameters)
        self.has_parameters = names is not None
        self.parameters = names or {}
        self._check_texts(caller)

    def _check_texts(self, caller: str) -> None:
        """Every text written into the DOT, checked now: a bad one names itself here rather
        than as a syntax error in DOT text the student never wrote."""
        if self.title is not None:
            check_text(self.title, f"{caller}: title")
        for name in self.parameters.values():
            check_text(name, f"{caller}: the parameters= name")
        for v in self.order:
            if v.label:
                check_text(v.label, f"{caller}: the label of the Value with data {v.data!r},")

    # -- what each node is ------------------------------------------------------------------

    def kind(self, v: Value) -> str:
        """ "output", "parameter", "leaf" or "intermediate"."""
        if v is self.root:
            return "output"
        if v in self.parameters:
            return "parameter"
        return "intermediate" if v.parents else "leaf"

    def name(self, v: Value) -> str:
        return v.label or self.parameters.get(v, "")

    def _legend_entries(self) -> list[tuple[str, str]]:
        kinds = {self.kind(v) for v in self.order}
        leaf_name = "input / constant" if self.has_parameters else "leaf"
        entries = [
            (PARAMETER_COLOR, "parameter", "parameter"),
            (LEAF_COLOR, "leaf", leaf_name),
            (INTERMEDIATE_COLOR, "intermediate", "intermediate"),
            (OUTPUT_COLOR, "output", "output"),
        ]
        shown = [(color, text) for color, kind, text in entries if kind in kinds]
        if any(v.parents for v in self.order):
            shown.append((OP_COLOR, "operation"))
        if self.color_by_grad and self.show_grad:
            shown.append(("#ff9f9f", "grad > 0"))
            shown.append(("#94ccfa", "grad < 0"))
        return shown + self.extra_legend

    def _legend(self) -> str | None:
        if not self.show_legend and not self.title:
            return None
        rows = []
        if self.title:
            rows.append(f'<TR><TD COLSPAN="20"><B>{html.escape(self.title)}</B></TD></TR>')
        if self.show_legend:
            cells = "".join(
                f'<TD BGCOLOR="{color}" BORDER="1">{html.escape(text)}</TD>'
                for color, text in self._legend_entries()
            )
            rows.append(f"<TR>{cells}</TR>")
        return f'<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="3">{"".join(rows)}</TABLE>>'

    # -- DOT -------------------------------------------------------------------------------------

    def _value_label(
        self,
        v: Value,
        grad: float | None,
        *,
        partial: bool,
        grad_fill: str | None,
        name_fill: str | None,
        grad_width: float | None,
    ) -> str:
        cells = []
        name = self.name(v)
        if name:
            fill = f' BGCOLOR="{name_fill}"' if name_fill else ""
            cells.append(f"<TD{fill}><B>{html.escape(name)}</B></TD>")
        if self.show_data:
            cells.append(f"<TD>data {format_number(v.data, self.digits)}</TD>")
        if self.show_grad:
            text = html.escape(self.grad_text(grad, partial))
            if partial:
                text = f'<I><FONT COLOR="#555555">{text}</FONT></I>'
            fill = f' BGCOLOR="{grad_fill}"' if grad_fill else ""
            width = f' WIDTH="{math.ceil(grad_width)}"' if grad_width else ""
            cells.append(f"<TD{fill}{width}>{text}</TD>")
        if not cells:  # nothing asked for: show at least the op or "leaf"
            cells.append(f"<TD>{html.escape(v.op or 'leaf')}</TD>")
        color = {
            "parameter": PARAMETER_COLOR,
            "leaf": LEAF_COLOR,
            "intermediate": INTERMEDIATE_COLOR,
            "output": OUTPUT_COLOR,
        }[self.kind(v)]
        return (
            f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'BGCOLOR="{color}"><TR>{"".join(cells)}</TR></TABLE>>'
        )

    def grad_text(self, grad: float | None, partial: bool = False) -> str:
        """The text of a grad cell: "grad 0.5000", "grad ?" (not known yet), or a partial sum."""
        if grad is None:
            return "grad ?"
        return f"grad {format_number(grad, self.digits)}" + (" (partial)" if partial else "")

    @staticmethod
    def cell_width(texts: Iterable[str]) -> float:
        """A cell width in points that fits every one of `texts` (a generous estimate)."""
        return max((text_width(t) for t in texts), default=0.0) + 8  # + the cell padding

    def digraph(
        self,
        grads: Mapping[Value, float | None] | None = None,
        *,
        partial: Iterable[Value] = (),
        fresh: Iterable[Value] = (),
        active: Value | None = None,
        grad_width: Mapping[Value, float] | None = None,
    ) -> graphviz.Digraph:
        """The DOT graph with the given gradients shown.

        Args:
            grads: the gradient to show per Value (None: "grad ?"); default each `v.grad`.
            partial: Values whose gradient is still a partial sum (drawn in grey italics).
            fresh: Values whose gradient just changed (grad cell highlighted).
            active: the node applying its chain-rule step (highlighted with its edges).
            grad_width: a minimum width (points) of each Value's grad cell, so that its text
                can change from frame to frame without moving anything.
        """
        partial, fresh = set(partial), set(fresh)
        if grads is None:
            grads = {v: v.grad for v in self.order}
        known = [abs(g) for g in grads.values() if g is not None and math.isfinite(g)]
        largest = max(known, default=0.0)
        g = graphviz.Digraph("autograd_graph")
        g.attr(rankdir=self.rankdir, fontname=FONT, fontsize=str(FONT_SIZE), nodesep="0.25")
        legend = self._legend()
        if legend:
            g.attr(label=legend, labelloc="t", labeljust="l")
        g.attr("node", fontname=FONT, fontsize=str(FONT_SIZE), margin="0")
        g.attr("edge", color="#555555", arrowsize="0.7")
        for v in self.order:
            vid = self.ids[v]
            grad = grads.get(v)
            grad_fill = None
            if v in fresh:
                grad_fill = "#ffd43b"  # just received a gradient: a yellow flash
            elif self.color_by_grad and grad is not None:
                grad_fill = grad_color(grad, largest)
            label = self._value_label(
                v,
                grad,
                partial=v in partial,
                grad_fill=grad_fill,
                name_fill="#ff8787" if v is active else None,
                grad_width=grad_width.get(v) if grad_width else None,
            )
            # Penwidth does not change a node's size, so highlighting moves nothing.
            g.node(
                vid,
                label=label,
                shape="box",
                style="filled",
                fillcolor="white",
                color="#d6336c" if v is active else "black",
                penwidth="3" if v is active else "1",
                margin="0",
                width="0",
                height="0",
            )
            if not v.parents:
                continue
            op_id = f"{vid}op"
            short = len(v.op) <= 2
            g.node(
                op_id,
                label=v.op,
                shape="circle" if short else "ellipse",
                style="filled",
                fillcolor="#ff8787" if v is active else OP_COLOR,
                width="0.4" if short else "0.3",
                height="0.3",
                margin="0.02",
            )
            flow = {"color": "#d6336c", "penwidth": "2.5", "dir": "back"} if v is active else {}
            for parent in v.parents:
                g.edge(self.ids[parent], op_id, **flow)
            g.edge(op_id, vid, **flow)
        return g


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    digits: int = 4,
    color_by_grad: bool = False,
    max_nodes: int = 300,
    parameters: Iterable[Value] | Mapping[str, Value] | None = None,
    title: str | None = None,
    show_legend: bool = True,
) -> Diagram:
    """Draw the computation graph below `root`: a box per Value, an oval per operation.

    Args:
        root: the output Value (for a model's output list, one element of it).
        rankdir: "LR" (inputs left, output right, the default) or "TB" (top to bottom).
        show_data: show each Value's data.
        show_grad: show each Value's grad (call ``root.backward()`` first, or all are 0).
        digits: decimals of every number, data and grad alike (4: 2.0000, -0.7071,
            1.5000e-05); see `format_number`.
        color_by_grad: colour the grad cells by the gradient: red positive, blue negative,
            stronger for a larger |grad| (relative to the largest in the graph).
        max_nodes: refuse, with GraphTooLargeError, a graph with more Values than this.
        parameters: the trainable leaves, drawn in their own colour: ``model.parameters()``,
            a list such as ``[w1, w2, b]``, or a ``{name: Value}`` mapping (the names label
            unlabelled Values). By default no leaf is treated as a parameter.
        title: a line of text above the diagram.
        show_legend: draw the colour legend above the diagram.

    Returns:
        A Diagram: shown inline in Jupyter; ``.save("graph.svg" or ".png")``, ``.svg()``,
        ``.png()``, ``.source`` (the DOT text).

    Raises:
        GraphTooLargeError: more than `max_nodes` Values (before any rendering is tried).
    """
    drawer = GraphDrawer(
        root,
        rankdir=rankdir,
        show_data=show_data,
        show_grad=show_grad,
        digits=digits,
        color_by_grad=color_by_grad,
        max_nodes=max_nodes,
        parameters=parameters,
        title=title,
        show_legend=show_legend,
    )
    return Diagram(drawer.digraph())
