"""nn: neural-network building blocks on top of autograd_scalar (modules, losses, training).

    >>> from nn import MLP, softmax_cross_entropy, SGD
    >>> model = MLP(3, [4, 4, 2], seed=0)
    >>> loss = softmax_cross_entropy(model([1.0, -2.0, 0.5]), 1)
    >>> optimizer = SGD(model.parameters(), lr=0.1)
    >>> optimizer.zero_grad(); loss.backward(); optimizer.step()
"""

from . import data, optim
from .data import (
    CIFAR10_CLASSES,
    load_cifar10,
    load_image_folder,
    load_toy,
    prepare_images,
)
from .dropout import Dropout
from .interop import (
    from_torch_state_dict,
    load_torch_state_dict,
    to_torch_sequential,
    to_torch_state_dict,
)
from .losses import binary_cross_entropy, hinge, l2_penalty, mse, softmax_cross_entropy
from .mlp import ACTIVATIONS, MLP, Layer, Neuron
from .module import Module
from .optim import SGD, Adam, LinearDecay, Optimizer, StepLR
from .predictions import classes_from_outputs, predict_classes
from .training import TrainingDiverged, TrainingInterrupted, evaluate, fit

__all__ = [
    # modules, losses, optimizers, PyTorch interop
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Dropout",
    "Adam",
    "Layer",
    "LinearDecay",
    "Module",
    "Neuron",
    "Optimizer",
    "StepLR",
    "binary_cross_entropy",
    "from_torch_state_dict",
    "hinge",
    "l2_penalty",
    "load_torch_state_dict",
    "mse",
    "softmax_cross_entropy",
    "to_torch_sequential",
    "to_torch_state_dict",
    # data and training
    "data",
    "optim",
    "CIFAR10_CLASSES",
    "load_cifar10",
    "load_image_folder",
    "load_toy",
    "prepare_images",
    "TrainingDiverged",
    "TrainingInterrupted",
    "classes_from_outputs",
    "evaluate",
    "fit",
    "predict_classes",
]
