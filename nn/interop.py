"""Exchange weights with PyTorch: an MLP <-> a torch ``nn.Sequential`` state dict.

An ``MLP(nin, [h1, ..., nout], activation, output_activation)`` computes the same function as

    nn.Sequential(Linear(nin, h1), Act, Linear(h1, h2), Act, ..., Linear(h_last, nout)[, OutAct])

whose state dict has the keys "0.weight", "0.bias", "2.weight", "2.bias", ...: layer k of the
MLP is module 2k of the Sequential (one activation module between Linears; a hidden
"linear" activation is an ``nn.Identity`` so that the numbering stays 2k). A Linear's
weight is (out_features, in_features), exactly the MLP's "layers.k.weight".

torch is imported lazily, inside the functions that need it: the rest of nn works without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .mlp import MLP

__all__ = [
    "from_torch_state_dict",
    "load_torch_state_dict",
    "to_torch_sequential",
    "to_torch_state_dict",
]

# The torch.nn module class name of each activation.
_TORCH_ACTIVATION = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}


def to_torch_state_dict(model: MLP, *, as_tensors: bool = False) -> dict[str, Any]:
    """The MLP's parameters under nn.Sequential's keys: {"0.weight": (h1, nin), "0.bias": ...}.

    Args:
        model: the MLP.
        as_tensors: return float64 torch tensors (needs torch) instead of NumPy arrays.
    """
    state = model.state_dict()
    out = {}
    for k in range(len(model.layers)):
        out[f"{2 * k}.weight"] = state[f"layers.{k}.weight"]
        out[f"{2 * k}.bias"] = state[f"layers.{k}.bias"]
    if as_tensors:
        torch = _import_torch()
        out = {key: torch.from_numpy(value) for key, value in out.items()}
    return out


def _linear_layers(state: Mapping[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of each Linear of a Sequential state dict, in module order, checked."""
    if not isinstance(state, Mapping):
        raise TypeError(f"expected a state dict (a dict), got {type(state).__name__}.")
    groups: dict[int, dict[str, np.ndarray]] = {}
    for key, value in state.items():
        index, _, kind = str(key).partition(".")
        if not index.isdigit() or kind not in ("weight", "bias"):
            raise ValueError(
                f"unexpected key {key!r}: expected the keys of an nn.Sequential of Linear "
                "layers and activations, such as '0.weight', '0.bias', '2.weight'."
            )
        groups.setdefault(int(index), {})[kind] = _to_numpy(value, key)
    if not groups:
        raise ValueError("the state dict is empty: no Linear layer to read.")
    layers = []
    previous_out = None
    for index in sorted(groups):
        group = groups[index]
        if "weight" not in group or "bias" not in group:
            missing = "bias" if "weight" in group else "weight"
            raise ValueError(
                f"module {index} has no '{index}.{missing}'; every Linear needs a weight and a "
                "bias (Linear(..., bias=False) is not supported)."
            )
        weight, bias = group["weight"], group["bias"]
        if weight.ndim != 2 or bias.shape != (weight.shape[0],):
            raise ValueError(
                f"module {index}: '{index}.weight' must be (out, in) and '{index}.bias' (out,); "
                f"got {weight.shape} and {bias.shape}."
            )
        if previous_out is not None and weight.shape[1] != previous_out:
            raise ValueError(
                f"module {index} takes {weight.shape[1]} inputs but the previous Linear gives "
                f"{previous_out} outputs."
            )
        previous_out = weight.shape[0]
        layers.append((weight, bias))
    return layers


def _to_numpy(value: Any, key: object) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor (maybe requiring grad, maybe float32)
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{key!r} is not an array of numbers: {error}") from None


def from_torch_state_dict(
    state: Mapping[str, Any],
    activation: str = "relu",
    output_activation: str = "linear",
) -> MLP:
    """Build an MLP with the weights of an nn.Sequential(Linear, act, ..., Linear) state dict.

    The sizes are read from the weights' shapes; the activations cannot be (a state dict
    holds no activation), so give them. Values may be torch tensors or NumPy arrays; they are
    converted to float64.
    """
    layers = _linear_layers(state)
    nin = int(layers[0][0].shape[1])
    sizes = [int(weight.shape[0]) for weight, _ in layers]
    model = MLP(nin, sizes, activation=activation, output_activation=output_activation)
    _load(model, layers)
    return model


def load_torch_state_dict(model: MLP, state: Mapping[str, Any]) -> None:
    """Copy an nn.Sequential state dict's Linear weights into an existing MLP of the same sizes.

    The i-th Linear (by module index) goes to model.layers[i]. Everything is checked first;
    on an error the model is unchanged.
    """
    layers = _linear_layers(state)
    if len(layers) != len(model.layers):
        raise ValueError(
            f"the state dict has {len(layers)} Linear layers but {model!r} has {len(model.layers)}."
        )
    _load(model, layers)


def _load(model: MLP, layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
    own = {}
    for k, (weight, bias) in enumerate(layers):
        own[f"layers.{k}.weight"], own[f"layers.{k}.bias"] = weight, bias
    model.load_state_dict(own)


def to_torch_sequential(model: MLP) -> Any:
    """A float64 torch nn.Sequential computing the same function, with the MLP's weights.

    Linear layers are at indices 0, 2, 4, ...; each is followed by its activation module
    (ReLU, Tanh, Sigmoid, or Identity for "linear"), except the last, which is followed by
    the output activation only if it is not "linear". Needs torch.
    """
    torch = _import_torch()
    modules = []
    last = len(model.layers) - 1
    for k, layer in enumerate(model.layers):
        modules.append(torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64))
        if k < last or layer.activation != "linear":
            modules.append(getattr(torch.nn, _TORCH_ACTIVATION[layer.activation])())
    sequential = torch.nn.Sequential(*modules)
    sequential.load_state_dict(to_torch_state_dict(model, as_tensors=True))
    return sequential


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "this function needs PyTorch (pip install torch); the rest of nn works without it."
        ) from None
    return torch
