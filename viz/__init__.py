"""viz: computational-graph diagrams, the backward pass step by step, and course plots."""

from .plots import (
    confusion_matrix,
    decision_grid,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    plot_per_class_accuracy,
    save_figure,
    show_images,
    show_weights,
    weight_images,
)

__all__ = [
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
