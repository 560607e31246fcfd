"""`draw_mlp`: a small multi-layer perceptron as neurons in columns, weights as edges.

Where `draw_dot` shows every number of one computation, `draw_mlp` shows the network itself:
one column per layer (inputs on the left, outputs on the right), one circle per neuron (its
bias written inside), and an edge for every weight, blue where the weight is positive, red
where it is negative, thicker for a larger |w|. Watching it before and after training shows
which connections the network came to rely on.

The model is read duck-typed (viz never imports nn): ``model.layers[i].neurons[j].w`` is the
list of the neuron's weights (Values or numbers), ``.b`` its bias, ``.activation`` its
activation's name (optional).
"""

from __future__ import annotations

import html
import itertools
import math

import graphviz

from .checks import check_text
from .diagram_style import FONT, INTERMEDIATE_COLOR, LEAF_COLOR, OUTPUT_COLOR, format_number
from .render import Diagram

__all__ = ["MLPTooLargeError", "draw_mlp"]

POSITIVE_COLOR = "#1f77b4"  # blue
NEGATIVE_COLOR = "#d62728"  # red
ZERO_COLOR = "#999999"


class MLPTooLargeError(ValueError):
    """The network has too many weights or neurons in a column for a readable drawing."""


def _layers(model: object) -> list[list[tuple[list[float], float, str]]]:
    """The model as layers of neurons, each (weights, bias, activation), checked for shape."""
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            f"draw_mlp needs an MLP with .layers (each with .neurons, each with .w and .b), "
            f"got {type(model).__name__}. For the graph of one computation use draw_dot."
        )
    out = []
    for i, layer in enumerate(layers):
        neurons = getattr(layer, "neurons", None)
        if not neurons:
            raise TypeError(
                f"draw_mlp: layer {i} ({type(layer).__name__}) has no .neurons list; "
                "expected an MLP whose layers hold neurons with .w and .b."
            )
        column = []
        for j, neuron in enumerate(neurons):
            try:
                weights = [float(w) for w in neuron.w]
                bias = float(neuron.b)
            except (AttributeError, TypeError) as error:
                raise TypeError(
                    f"draw_mlp: neuron {j} of layer {i} needs .w (a list of Values) and .b "
                    f"(a Value): {error}"
                ) from None
            column.append((weights, bias, str(getattr(neuron, "activation", "") or "")))
        out.append(column)
    if not out:
        raise ValueError("draw_mlp: the model has no layers.")
    return out


def _check(layers: list, max_edges: int, max_per_column: int) -> int:
    """Check shapes and size; return the number of inputs."""
    n_inputs = len(layers[0][0][0])
    previous = n_inputs
    for i, column in enumerate(layers):
        for j, (weights, _, _) in enumerate(column):
            if len(weights) != previous:
                raise ValueError(
                    f"draw_mlp: neuron {j} of layer {i} has {len(weights)} weights but the "
                    f"layer before it has {previous} outputs; the model is inconsistent."
                )
        previous = len(column)
    columns = [n_inputs] + [len(c) for c in layers]
    edges = sum(a * b for a, b in itertools.pairwise(columns))
    if edges > max_edges or max(columns) > max_per_column:
        raise MLPTooLargeError(
            f"draw_mlp draws small networks: this one has {edges:,} weights (limit "
            f"max_edges={max_edges:,}) and columns of {columns} neurons (limit "
            f"max_per_column={max_per_column}). A network on images (3,072 inputs for "
            "CIFAR-10) is better seen through its first layer's weights as pictures: "
            "viz.show_weights(model). Or raise max_edges=/max_per_column= for a big drawing."
        )
    return n_inputs


def _edge_style(w: float, largest: float, crowded: bool) -> dict[str, str]:
    """Colour by sign, width and opacity by |w| relative to the largest |w|."""
    t = abs(w) / largest if largest > 0 else 0.0
    color = POSITIVE_COLOR if w > 0 else NEGATIVE_COLOR if w < 0 else ZERO_COLOR
    # Many edges overlap in a crowded drawing: thinner and more transparent lines there.
    low, high, widest = (0.1, 0.8, 1.8) if crowded else (0.35, 1.0, 4.0)
    alpha = round(255 * (low + (high - low) * t))
    return {
        "color": f"{color}{alpha:02x}",
        "penwidth": f"{0.3 + widest * t:.2f}",
        "tooltip": f"w = {w:.4g}",
    }


def _check_texts(title: str | None, inputs: list[str], outputs: list[str]) -> None:
    """Every text written into the DOT, checked before anything is drawn."""
    if title is not None:
        check_text(title, "draw_mlp: title")
    for argument, names in (("input_labels", inputs), ("output_labels", outputs)):
        for i, name in enumerate(names):
            check_text(name, f"draw_mlp: {argument}[{i}]")


def draw_mlp(
    model: object,
    *,
    input_labels: list[str] | None = None,
    output_labels: list[str] | None = None,
    show_bias: bool = True,
    title: str | None = None,
    max_edges: int = 2000,
    max_per_column: int = 64,
) -> Diagram:
    """Draw an MLP: neurons in columns, an edge per weight (blue w > 0, red w < 0, width |w|).

    Args:
        model: an MLP with ``.layers``, each with ``.neurons``, each with ``.w`` (list of
            Values) and ``.b`` (a Value), as `nn.MLP` (read duck-typed).
        input_labels: names of the input neurons (default x1, x2, ...).
        output_labels: names of the output neurons (default y1, y2, ...), drawn beside them.
        show_bias: write each neuron's bias inside its circle.
        title: a line of text above the drawing.
        max_edges: refuse networks with more weights than this.
        max_per_column: refuse layers with more neurons (or inputs) than this.

    Returns:
        A Diagram (shown inline in Jupyter; ``.save("mlp.png")``, ``.svg()``, ``.source``).
        In the SVG, hovering an edge shows its weight.

    Raises:
        MLPTooLargeError: a network larger than the limits (use `show_weights` for images).
    """
    layers = _layers(model)
    n_inputs = _check(layers, max_edges, max_per_column)
    columns = [n_inputs] + [len(c) for c in layers]
    weights = [w for column in layers for neuron in column for w in neuron[0]]
    largest = max((abs(w) for w in weights if math.isfinite(w)), default=0.0)
    crowded = max(columns) > 16
    dx = 170.0 if not crowded else 220.0
    dy = 54.0 if not crowded else 24.0
    size = "0.62" if not crowded else "0.28"
    top = (max(columns) - 1) / 2 * dy

    g = graphviz.Digraph("mlp")
    legend = (
        '<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="3">'
        + (f'<TR><TD COLSPAN="3"><B>{html.escape(title)}</B></TD></TR>' if title else "")
        + f'<TR><TD><FONT COLOR="{POSITIVE_COLOR}"><B>blue: w &gt; 0</B></FONT></TD>'
        f'<TD><FONT COLOR="{NEGATIVE_COLOR}"><B>red: w &lt; 0</B></FONT></TD>'
        f"<TD>width: |w| (largest {format_number(largest, 3)})</TD></TR></TABLE>>"
    )
    g.attr(label=legend, labelloc="t", fontname=FONT, fontsize="12", outputorder="edgesfirst")
    g.attr(
        "node",
        fontname=FONT,
        fontsize="10" if not crowded else "7",
        shape="circle",
        style="filled",
        width=size,
        height=size,
        fixedsize="true",
        penwidth="1.2",
    )
    g.attr("edge", arrowhead="none")

    def position(col: int, row: int, n: int) -> str:
        y = (n - 1) / 2 * dy - row * dy
        return f"{col * dx:.1f},{y:.1f}!"

    inputs = input_labels or [f"x{i + 1}" for i in range(n_inputs)]
    if len(inputs) != n_inputs:
        raise ValueError(f"input_labels has {len(inputs)} names for {n_inputs} inputs")
    outputs = output_labels or [f"y{j + 1}" for j in range(columns[-1])]
    if len(outputs) != columns[-1]:
        raise ValueError(f"output_labels has {len(outputs)} names for {columns[-1]} outputs")
    _check_texts(title, inputs, outputs)
    for i in range(n_inputs):
        g.node(
            f"c0n{i}",
            label=inputs[i] if not crowded else "",
            fillcolor=LEAF_COLOR,
            pos=position(0, i, n_inputs),
        )
    headers = [f"input\n{n_inputs}"]
    last = len(layers)
    for col, column in enumerate(layers, start=1):
        activation = column[0][2]
        kind = "output" if col == last else f"hidden {col}"
        headers.append(f"{kind}\n{len(column)}" + (f" {activation}" if activation else ""))
        for j, (ws, bias, _) in enumerate(column):
            text = f"b={bias:.2f}" if show_bias and not crowded else ""
            g.node(
                f"c{col}n{j}",
                label=text,
                tooltip=f"bias {bias:.4g}",
                fillcolor=OUTPUT_COLOR if col == last else INTERMEDIATE_COLOR,
                pos=position(col, j, len(column)),
            )
            for i, w in enumerate(ws):
                g.edge(f"c{col - 1}n{i}", f"c{col}n{j}", **_edge_style(w, largest, crowded))
    for j, name in enumerate(outputs):
        y = (columns[-1] - 1) / 2 * dy - j * dy
        g.node(
            f"out{j}",
            label=name,
            shape="plaintext",
            style="",
            fixedsize="false",
            pos=f"{last * dx + 55:.1f},{y:.1f}!",
        )
    for col, header in enumerate(headers):
        g.node(
            f"header{col}",
            label=header,
            shape="plaintext",
            style="",
            fixedsize="false",
            fontsize="11",
            pos=f"{col * dx:.1f},{top + 42:.1f}!",
        )
    return Diagram(g, engine="neato")
