"""draw_dot and draw_mlp: what the DOT and the rendered SVG say, node and edge counts, limits."""

from __future__ import annotations

import html
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import autograd_scalar as ag
from autograd_scalar import Value, topological_order
from viz import GraphTooLargeError, MLPTooLargeError, animate_backward, draw_dot, draw_mlp
from viz.diagram_style import (
    LEAF_COLOR,
    OUTPUT_COLOR,
    PARAMETER_COLOR,
    format_number,
    grad_color,
)
from viz.mlp_diagram import NEGATIVE_COLOR, POSITIVE_COLOR


def neuron():
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b), after backward."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n}


def node_lines(source: str) -> dict[str, str]:
    """{node id: its DOT line} for the Value boxes and op nodes of a draw_dot source."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(r"^\t(v\d+(?:op)?) \[.*$", source, flags=re.MULTILINE)
    }


def edge_lines(source: str) -> list[str]:
    return re.findall(r"^\t\S+ -> \S+.*$", source, flags=re.MULTILINE)


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, digits, text",
    [
        (2.0, 4, "2.0000"),
        (-0.7071067811865476, 4, "-0.7071"),
        (0.5, 4, "0.5000"),
        (1.5e-05, 4, "1.5000e-05"),
        (12345.678, 4, "1.2346e+04"),
        (9999.99999, 4, "1.0000e+04"),  # decided on the rounded value
        (0.0012, 4, "0.0012"),
        (0.00099996, 4, "0.0010"),
        (0.0009, 4, "9.0000e-04"),
        (100.0, 3, "100.000"),
        (-1.5, 2, "-1.50"),
        (0.05, 2, "5.00e-02"),  # two decimals would show 0.05 with one significant digit
        (0.0, 4, "0.0000"),
        (-0.0, 4, "0.0000"),
        (math.nan, 4, "nan"),
        (-math.inf, 4, "-inf"),
    ],
)
def test_format_number(x, digits, text):
    assert format_number(x, digits) == text


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    digits=st.integers(1, 8),
)
def test_format_number_has_exactly_digits_decimals_and_reads_back(x, digits):
    text = format_number(x, digits)
    match = re.fullmatch(r"-?(\d+)\.(\d+)(e[+-]\d+)?", text)
    assert match and len(match.group(2)) == digits, text
    scientific = match.group(3) is not None
    # Scientific notation exactly where fixed decimals would hide digits.
    shown = abs(round(x, digits))
    assert scientific == (x != 0 and not 10.0 ** (1 - digits) <= shown < 1e4), text
    if scientific:
        assert match.group(1) != "0" and len(match.group(1)) == 1, text  # 1.2346e+04
    # Rounded to the last decimal shown, no more.
    last_place = 10.0 ** (-digits) * (10.0 ** int(match.group(3)[1:]) if scientific else 1)
    assert abs(float(text) - x) <= last_place / 2 * (1 + 1e-9) + 1e-300


def test_draw_dot_numbers_all_have_the_same_decimals():
    """Data and grad, in every node of a graph with magnitudes from 1e-6 to 1e5."""
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    tiny, huge = Value(1e-6, "tiny"), Value(12345.0, "huge")
    y = ((x * w).tanh() + tiny * huge + huge * 0.5) * 0.7071067811865476
    y.backward()
    source = draw_dot(y).source
    numbers = re.findall(r">(?:data|grad) (-?[\d.]+(?:e[+-]\d+)?)<", source)
    assert len(numbers) == 2 * len(topological_order(y))
    decimals = {len(re.match(r"-?\d+\.(\d+)", n).group(1)) for n in numbers}
    assert decimals == {4}, numbers
    assert ">data 1.0000e-06<" in source and ">data 1.2345e+04<" in source
    assert ">data 2.0000<" in source and ">grad 0.7071<" in source  # dy/d(the sum)


# -- draw_dot -------------------------------------------------------------------------------


def test_neuron_values_are_in_dot_and_svg_as_formatted():
    o, v = neuron()
    # The grads of the lecture: do/dn = 1 - tanh(n)^2 = 0.5; dx1 = w1 * 0.5, dw1 = x1 * 0.5.
    assert o.data == pytest.approx(math.sqrt(0.5))
    assert (v["x1"].grad, v["w1"].grad, v["x2"].grad, v["w2"].grad) == pytest.approx(
        (-1.5, 1.0, 0.5, 0.0)
    )
    diagram = draw_dot(o)
    svg = html.unescape(diagram.svg())
    for text in [
        "x1", "w1", "x1*w1 + x2*w2", "data 2.0000", "data -3.0000", "data 6.8814",
        "data 0.8814", "data 0.7071", "grad -1.5000", "grad 1.0000", "grad 0.5000",
        "grad 0.0000", "tanh",
    ]:  # fmt: skip
        assert f">{text}<" in svg, text
        assert text in diagram.source or html.escape(text) in diagram.source


def test_node_and_edge_counts_match_the_graph():
    o, _ = neuron()
    order = topological_order(o)
    inner = [v for v in order if v.parents]
    diagram = draw_dot(o)
    nodes = node_lines(diagram.source)
    edges = edge_lines(diagram.source)
    assert len(order) == 10 and len(inner) == 5
    assert len(nodes) == len(order) + len(inner)  # a box per Value, an oval per op
    assert len(edges) == sum(len(v.parents) for v in inner) + len(inner)
    svg = diagram.svg()
    assert svg.count('class="node"') == len(order) + len(inner)
    assert svg.count('class="edge"') == len(edges)
    # parent -> op -> result, for every op
    ids = {v: f"v{i}" for i, v in enumerate(order)}
    for v in inner:
        for parent in v.parents:
            assert f"\t{ids[parent]} -> {ids[v]}op" in diagram.source
        assert f"\t{ids[v]}op -> {ids[v]}" in diagram.source


def test_op_nodes_show_the_op_symbols():
    x = Value(1.5, "x")
    y = ag.sum([x * x, x**3, -x, x / 2.0, x.exp()])
    ops = re.findall(r'^\tv\d+op \[label="?([^" ]+)"?', draw_dot(y).source, re.MULTILINE)
    assert sorted(ops) == sorted(["*", "**3", "neg", "/", "exp", "sum"])


def test_nary_dot_is_one_node_with_many_incoming_edges():
    ws = [Value(float(i), f"w{i}") for i in range(6)]
    y = ag.dot(ws, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y.label = "y"
    source = draw_dot(y).source
    nodes = node_lines(source)
    assert len(nodes) == 6 + 1 + 1
    assert sum(1 for e in edge_lines(source) if "-> v6op" in e) == 6
    assert "label=dot" in nodes["v6op"]


def test_a_value_used_twice_by_one_op_has_two_edges():
    x = Value(3.0, "x")
    y = x * x
    source = draw_dot(y).source
    assert edge_lines(source).count("\tv0 -> v1op") == 2


def test_kinds_have_their_colours():
    o, v = neuron()
    order = topological_order(o)
    ids = {value: f"v{i}" for i, value in enumerate(order)}
    lines = node_lines(draw_dot(o, parameters=[v["w1"], v["w2"], v["b"]]).source)
    for name in ("w1", "w2", "b"):
        assert f'BGCOLOR="{PARAMETER_COLOR}"' in lines[ids[v[name]]]
    for name in ("x1", "x2"):
        assert f'BGCOLOR="{LEAF_COLOR}"' in lines[ids[v[name]]]
    assert f'BGCOLOR="{OUTPUT_COLOR}"' in lines[ids[o]]
    assert 'BGCOLOR="#ffffff"' in lines[ids[v["n"]]]
    # Without parameters= no leaf is guessed to be one, and the legend says "leaf".
    plain = draw_dot(o).source
    assert PARAMETER_COLOR not in plain
    assert ">leaf<" in plain and ">parameter<" not in plain


def test_parameters_mapping_names_unlabelled_values():
    w, x = Value(0.5), Value(4.0)
    y = w * x
    source = draw_dot(y, parameters={"weight": w}).source
    assert "<B>weight</B>" in source
    with pytest.raises(TypeError, match="parameters= must hold Values"):
        draw_dot(y, parameters=[0.5])


def test_digits_show_data_show_grad_and_title():
    o, _ = neuron()
    source = draw_dot(o, digits=2, title="one neuron").source
    assert "data -3.00<" in source and "grad -1.50<" in source and "data 0.71<" in source
    assert "<B>one neuron</B>" in source
    assert "grad " not in draw_dot(o, show_grad=False).source
    assert "data " not in draw_dot(o, show_data=False).source


def test_color_by_grad_colours_grad_cells_by_sign_and_size():
    o, v = neuron()
    order = topological_order(o)
    ids = {value: f"v{i}" for i, value in enumerate(order)}
    lines = node_lines(draw_dot(o, color_by_grad=True).source)
    # x1 has the largest |grad| (1.5), negative: the strongest blue.
    strongest_blue = grad_color(-1.5, 1.5)
    assert f'BGCOLOR="{strongest_blue}">grad -1.5000' in lines[ids[v["x1"]]]
    red, blue = int(strongest_blue[1:3], 16), int(strongest_blue[5:7], 16)
    assert blue > red
    half_red = grad_color(0.5, 1.5)
    assert int(half_red[1:3], 16) > int(half_red[5:7], 16)
    assert f'BGCOLOR="{half_red}">grad 0.5000' in lines[ids[v["n"]]]
    assert grad_color(0.0, 1.5) == "#ffffff"


def test_too_large_graph_raises_before_rendering(monkeypatch):
    import viz.render

    def no_render(*args, **kwargs):
        raise AssertionError("rendering must not be attempted")

    monkeypatch.setattr(viz.render, "render", no_render)
    x = Value(1.0, "x")
    y = x
    for _ in range(200):
        y = y + 1.0  # each step: a constant leaf and a result
    with pytest.raises(GraphTooLargeError) as info:
        draw_dot(y)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "401 Values" in message and "200 operations" in message
    assert "max_nodes=300" in message and "draw_mlp" in message
    diagram = draw_dot(y, max_nodes=401)  # allowed when asked for; still no rendering
    assert len(node_lines(diagram.source)) == 401 + 200


def test_bad_arguments():
    with pytest.raises(TypeError, match="outputs\\[0\\]"):
        draw_dot([Value(1.0)])
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match="digits"):
        draw_dot(Value(1.0), digits=0)


# Characters XML (so Graphviz) cannot hold, each with the code point the error must name.
UNDRAWABLE = [
    ("\x00", "U+0000"),  # NUL: a DOT syntax error "near 'v1'" without the check
    ("\x07", "U+0007"),  # BEL: "not well-formed (invalid token)"
    ("\x1b", "U+001B"),  # ESC (a terminal colour code pasted in)
    ("\ud800", "U+D800"),  # a lone surrogate: a raw UnicodeEncodeError without the check
    ("\ufffe", "U+FFFE"),  # a noncharacter XML refuses
]


def _labelled_graph(label: str):
    x = Value(2.0, label)
    y = x * Value(3.0, "w")
    y.backward()
    return x, y


@pytest.mark.parametrize(("char", "code"), UNDRAWABLE)
@pytest.mark.parametrize("where", ["label", "title", "parameters", "animate title"])
def test_draw_dot_names_an_undrawable_character_and_where_it_is(char, code, where):
    bad = f"a{char}b"
    x, y = _labelled_graph(bad if where == "label" else "x")
    calls = {
        "label": (lambda: draw_dot(y), "the label of the Value with data 2.0"),
        "title": (lambda: draw_dot(y, title=bad), "draw_dot: title"),
        "parameters": (lambda: draw_dot(y, parameters={bad: x}), "parameters= name"),
        "animate title": (lambda: animate_backward(y, title=bad), "animate_backward: title"),
    }
    call, names = calls[where]
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert names in message and repr(bad) in message and code in message


@pytest.mark.parametrize(("char", "code"), UNDRAWABLE)
@pytest.mark.parametrize("argument", ["input_labels", "output_labels", "title"])
def test_draw_mlp_names_an_undrawable_character_and_the_argument(char, code, argument):
    bad = f"a{char}b"
    kwargs = {
        "input_labels": {"input_labels": ["x1", bad]},
        "output_labels": {"output_labels": [bad]},
        "title": {"title": bad},
    }[argument]
    with pytest.raises(ValueError) as info:
        draw_mlp(StandInMLP(2, [3, 1]), **kwargs)
    message = str(info.value)
    where = argument + ("[1]" if argument == "input_labels" else "")
    assert f"draw_mlp: {where}" in message and repr(bad) in message and code in message


def test_labels_graphviz_can_hold_are_drawn_as_they_are():
    """Tab, DEL, a C1 control, emoji and quotes are valid XML: no error, and in the SVG."""
    label = 'q"\x7f\x85\U0001f600'
    _, y = _labelled_graph(label)
    diagram = draw_dot(y, title="tab\there")
    assert html.escape(label) in diagram.source
    assert label in html.unescape(diagram.svg())


def test_png_decodes_and_is_wider_than_tall(tmp_path):
    o, _ = neuron()
    path = draw_dot(o).save(tmp_path / "neuron.png", dpi=72)
    with Image.open(path) as wide:
        assert wide.format == "PNG"
        assert wide.width > 3 * wide.height  # left to right
        tall = draw_dot(o, rankdir="TB").save(tmp_path / "tall.png", dpi=72)
        with Image.open(tall) as image:
            assert image.height > 2 * wide.height and image.width < wide.width


# -- draw_mlp --------------------------------------------------------------------------------


class StandInNeuron:
    def __init__(self, weights, bias, activation="tanh"):
        self.w = [Value(w) for w in weights]
        self.b = Value(bias)
        self.activation = activation


class StandInLayer:
    def __init__(self, neurons):
        self.neurons = neurons


class StandInMLP:
    """An nn.MLP look-alike: .layers[i].neurons[j].w / .b, weights from a fixed rule."""

    def __init__(self, nin, sizes):
        self.layers = []
        for i, nout in enumerate(sizes):
            act = "linear" if i == len(sizes) - 1 else "tanh"
            neurons = [
                StandInNeuron([math.sin(1.0 + 7 * i + 3 * j + k) for k in range(nin)], 0.1 * j, act)
                for j in range(nout)
            ]
            self.layers.append(StandInLayer(neurons))
            nin = nout


def mlp_edges(source: str) -> dict[tuple[str, str], str]:
    return {
        (m.group(1), m.group(2)): m.group(0)
        for m in re.finditer(r"^\t(c\d+n\d+) -> (c\d+n\d+) \[.*$", source, re.MULTILINE)
    }


def test_draw_mlp_edges_colours_and_widths():
    model = StandInMLP(2, [4, 4, 1])
    diagram = draw_mlp(model)
    edges = mlp_edges(diagram.source)
    assert len(edges) == 2 * 4 + 4 * 4 + 4 * 1
    weights = {}
    for col, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                weights[(f"c{col - 1}n{i}", f"c{col}n{j}")] = w.data
    assert set(edges) == set(weights)
    largest = max(abs(w) for w in weights.values())
    for key, line in edges.items():
        w = weights[key]
        assert (POSITIVE_COLOR if w > 0 else NEGATIVE_COLOR) in line
        width = float(re.search(r"penwidth=([\d.]+)", line).group(1))
        assert width == pytest.approx(0.3 + 4.0 * abs(w) / largest, abs=0.006)
    assert diagram.engine == "neato"
    svg = html.unescape(diagram.svg())
    assert svg.count('class="edge"') == 28
    assert ">hidden 1<" in svg and ">4 tanh<" in svg and ">b=0.30<" in svg


def test_draw_mlp_columns_are_in_order():
    source = draw_mlp(StandInMLP(3, [5, 2])).source
    pos = {
        m.group(1): tuple(map(float, m.group(2, 3)))
        for m in re.finditer(r'^\t(c\d+n\d+) .*pos="([-\d.]+),([-\d.]+)!"', source, re.MULTILINE)
    }
    assert len(pos) == 3 + 5 + 2
    xs = {name: x for name, (x, _) in pos.items()}
    assert xs["c0n0"] < xs["c1n0"] < xs["c2n0"]
    assert pos["c1n0"][1] > pos["c1n1"][1] > pos["c1n4"][1]  # first neuron on top


def test_draw_mlp_refuses_large_networks():
    class Flat:  # weights as plain numbers: duck typing accepts them, and it is cheap
        def __init__(self, nin, sizes):
            self.layers = []
            for nout in sizes:
                layer = StandInLayer([])
                layer.neurons = [type("N", (), {"w": [0.1] * nin, "b": 0.0})() for _ in range(nout)]
                self.layers.append(layer)
                nin = nout

    with pytest.raises(MLPTooLargeError, match="show_weights") as info:
        draw_mlp(Flat(3072, [16, 10]))
    assert "49,312 weights" in str(info.value) and isinstance(info.value, ValueError)
    with pytest.raises(MLPTooLargeError, match="max_per_column=64"):
        draw_mlp(Flat(2, [65, 1]))
    assert len(mlp_edges(draw_mlp(Flat(2, [65, 1]), max_per_column=65).source)) == 195


def test_draw_mlp_checks_the_model():
    with pytest.raises(TypeError, match="layers"):
        draw_mlp(object())
    model = StandInMLP(2, [3, 1])
    model.layers[1].neurons[0].w.append(Value(1.0))
    with pytest.raises(ValueError, match="has 4 weights but the layer before it has 3"):
        draw_mlp(model)
    with pytest.raises(ValueError, match="input_labels"):
        draw_mlp(StandInMLP(2, [1]), input_labels=["a"])
