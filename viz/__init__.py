"""viz: computational-graph diagrams, the backward pass step by step, and course plots.

Example::

    from autograd_scalar import Value
    from viz import animate_backward, draw_dot, draw_mlp

    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh()
    y.label = "y"
    y.backward()
    draw_dot(y, parameters=[w])               # shown inline in Jupyter; .save("graph.svg")
    animate_backward(y).save("backprop.html")  # one frame per chain-rule step, a player
    draw_mlp(model)                           # an MLP: neurons in columns, weights as edges

Pictures need a Graphviz renderer: `dot` (Graphviz) or `graphviz-pure` (pip); see
`viz.render`. viz reads models duck-typed and never imports nn.
"""

# Diagrams (graph, mlp_diagram, animate, render) and plots for the course, one subject per
# file (history_plot, decision_boundary, image_grids, metrics_plots; figure_style is shared).
from .animate import BackwardAnimation, animate_backward
from .decision_boundary import decision_grid, plot_decision_boundary
from .figure_style import save_figure
from .graph import GraphTooLargeError, draw_dot
from .history_plot import plot_history
from .image_grids import show_images, show_weights, weight_images
from .metrics_plots import confusion_matrix, plot_confusion_matrix, plot_per_class_accuracy
from .mlp_diagram import MLPTooLargeError, draw_mlp
from .render import Diagram, RendererNotFoundError, RenderError, find_renderer

__all__ = [
    "BackwardAnimation",
    "Diagram",
    "GraphTooLargeError",
    "MLPTooLargeError",
    "RenderError",
    "RendererNotFoundError",
    "animate_backward",
    "draw_dot",
    "draw_mlp",
    "find_renderer",
    "confusion_matrix",
    "decision_grid",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_per_class_accuracy",
    "save_figure",
    "show_images",
    "show_weights",
    "weight_images",
]
