"""Module: what every model part has in common (parameters, gradients, state dicts, files).

Naming schemes (both deterministic, in the order ``parameters()`` lists the Values):

* ``named_parameters()`` names each scalar by where it lives, with dotted paths::

      layers.0.neurons.3.w.17     # weight 17 of neuron 3 of layer 0
      layers.0.neurons.3.b        # bias of that neuron

  A Layer on its own drops the ``layers.K.`` prefix, a Neuron the ``neurons.J.`` too.
  Order: layer by layer, neuron by neuron, the weights w.0 .. w.(nin-1) then the bias.

* ``state_dict()`` groups the numbers of a layer into arrays, as PyTorch does::

      layers.0.weight   float64 array (nout, nin), row j = weights of neuron j
      layers.0.bias     float64 array (nout,)

  (a Layer alone: ``weight``/``bias``; a Neuron alone: ``weight`` (nin,) and ``bias`` of
  shape (), a 0-d array). This is what `save` writes and `load_state_dict` reads.

Files written by `save` are ``.npz`` archives (NumPy's zip of arrays) holding the state dict
plus the architecture (see `nn.model_file`); they are read without pickle, so loading a
model file can never run code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from autograd_scalar import Value

from .model_file import PathType, read_model_file, write_model_file

__all__ = ["Module"]


# ---------------------------------------------------------------------------------------
# Module: what every model part has in common
# ---------------------------------------------------------------------------------------


class Module:
    """Base class: parameters, gradients, state dicts and files.

    A subclass provides `named_children` (its parts) or, for a module without parts, its own
    `named_parameters`, `weights` and `biases`; and `_tensors` (its parameters grouped into
    arrays for `state_dict`) and `_config` (the constructor arguments that rebuild it).
    """

    # Subclasses register here by name, so that Module.load can rebuild any of them.
    _registry: ClassVar[dict[str, type[Module]]] = {}

    #: True while training (Dropout drops units), False for evaluation: see `train`.
    training: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module._registry[cls.__name__] = cls

    # -- parameters -----------------------------------------------------------------------

    def named_children(self) -> list[tuple[str, Module]]:
        """The parts this module is made of, each with its name ("layers.0", "neurons.3").

        A module made of parts needs only this: its parameters, weights and biases are
        theirs, in order, the names prefixed with the part's name.
        """
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name (see the module docstring), in order."""
        return [
            (f"{prefix}.{name}", p)
            for prefix, child in self.named_children()
            for name, p in child.named_parameters()
        ]

    def weights(self) -> list[Value]:
        """The weights only (no biases), in order: pass to l2_penalty to spare the biases."""
        return [w for _, child in self.named_children() for w in child.weights()]

    def biases(self) -> list[Value]:
        """The biases only, in order."""
        return [b for _, child in self.named_children() for b in child.biases()]

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases) as a list of Values, in a fixed order: the
        order of `named_parameters`, without building the names (a CIFAR-10 MLP has 200,000
        of them, and `zero_grad` runs before every backward pass)."""
        return [p for _, child in self.named_children() for p in child.parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (do this before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    # -- training and evaluation modes ----------------------------------------------------

    def train(self, mode: bool = True) -> Self:
        """Put the module and all its parts in training mode (or evaluation mode with
        ``mode=False``), as PyTorch's ``module.train()``; returns the module.

        Only some parts behave differently (a `Dropout` drops units while training and
        passes them through in evaluation); a new module starts in training mode.
        """
        self.training = bool(mode)
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> Self:
        """Evaluation mode (``train(False)``): nothing random, the same output every call.
        `nn.evaluate`, ``predict`` and the end of `nn.fit` switch to it themselves."""
        return self.train(False)

    # -- state dicts ----------------------------------------------------------------------

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        """(name, shape, Values in row-major order) for each array of the state dict."""
        raise NotImplementedError(f"{type(self).__name__} must define _tensors()")

    @classmethod
    def state_shapes(cls, **config: Any) -> dict[str, tuple[int, ...]]:
        """The arrays ``cls(**config).state_dict()`` would hold, name -> shape, computed
        from the constructor's arguments without building anything."""
        raise NotImplementedError(f"{cls.__name__} must define state_shapes()")

    def _config(self) -> dict[str, int | list[int] | str]:
        """Constructor arguments that rebuild this module's architecture."""
        raise NotImplementedError(f"{type(self).__name__} must define _config()")

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of the parameters as float64 arrays, e.g. {"layers.0.weight": (nout, nin)}.

        The arrays are copies: changing them does not change the model.
        """
        return {
            name: np.array([v.data for v in values], dtype=np.float64).reshape(shape)
            for name, shape, values in self._tensors()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy numbers from `state` (as made by `state_dict`) into the parameters.

        The names must be exactly those of `state_dict()` and each array must have the same
        shape; anything else raises ValueError naming every problem and the expected shape.
        Everything is checked before anything is written, so a failed load leaves the model
        as it was. The parameter Values themselves are kept (only their ``data`` changes), so
        an optimizer built on ``model.parameters()`` keeps working.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict expects a dict of name -> array, got {type(state).__name__}."
            )
        tensors = self._tensors()
        expected = {name: shape for name, shape, _ in tensors}
        problems = [
            f"missing {name!r} (expected shape {shape})"
            for name, shape in expected.items()
            if name not in state
        ]
        problems += [f"unexpected {name!r}" for name in state if name not in expected]
        arrays: dict[str, np.ndarray] = {}
        for name, shape in expected.items():
            if name not in state:
                continue
            try:
                array = np.asarray(state[name], dtype=np.float64)
            except (TypeError, ValueError) as error:
                problems.append(f"{name!r} is not an array of numbers ({error})")
                continue
            if array.shape != shape:
                problems.append(f"{name!r} has shape {array.shape}, expected {shape}")
            elif not np.all(np.isfinite(array)):
                problems.append(f"{name!r} holds NaN or infinite numbers")
            else:
                arrays[name] = array
        if problems:
            raise ValueError(
                f"cannot load this state dict into {self!r}: " + "; ".join(problems) + ". "
                f"Expected names: {', '.join(expected)}."
            )
        for name, _, values in tensors:  # all checked: now write
            for value, number in zip(values, arrays[name].ravel().tolist()):
                value.data = number

    # -- files ------------------------------------------------------------------------------

    def save(self, path: PathType) -> Path:
        """Write the architecture and the parameters to `path` as an .npz archive (no pickle).

        The file is written exactly at `path` (use the .npz extension by convention) and
        read back with ``type(model).load(path)`` (or ``Module.load(path)``).
        The file is replaced atomically (written beside it, flushed, then renamed), so a
        failed write leaves the previous file as it was. Parameters that are NaN or infinite
        (a diverged training) are refused with a ValueError, as `load` would refuse them.
        """
        state = self.state_dict()
        for name, array in state.items():
            bad = ~np.isfinite(array)
            if bad.any():
                where = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(
                    f"cannot save {self!r}: {name} holds {array[where]} at {where} "
                    f"({int(bad.sum())} such numbers); the training probably diverged. "
                    "Save a model trained with a lower learning rate instead."
                )
        return write_model_file(path, type(self).__name__, self._config(), state)

    @classmethod
    def load(cls, path: PathType) -> Self:
        """Rebuild a module saved with `save`: ``model = MLP.load("model.npz")``.

        Raises FileNotFoundError if there is no such file, and ValueError naming the file if
        it is not an archive written by `save` (corrupt, another format, missing entries),
        or TypeError if it holds another kind of module than the class asked for.
        """
        saved = read_model_file(path)
        if saved.class_name not in Module._registry:
            raise ValueError(f"{saved.path} holds an unknown kind of module: "
                             f"{saved.class_name!r}.")
        saved_cls = Module._registry[saved.class_name]
        if not issubclass(saved_cls, cls):
            raise TypeError(
                f"{saved.path} holds a {saved.class_name}, not a {cls.__name__}; "
                f"use {saved.class_name}.load() or Module.load()."
            )
        try:
            # The architecture is checked against the arrays BEFORE it is built: a small
            # file whose config asks for 10**9 neurons must not take all the memory.
            _check_shapes(saved_cls.state_shapes(**saved.config), saved.state)
            module = saved_cls(**saved.config)
            module.load_state_dict(saved.state)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{saved.path} does not hold a valid {saved.class_name}: {error}"
            ) from None
        return module


def _check_shapes(expected: dict[str, tuple[int, ...]], state: dict[str, np.ndarray]) -> None:
    """Refuse a file whose arrays are not those its architecture needs (names and shapes)."""
    got = {name: tuple(array.shape) for name, array in state.items()}
    if got != expected:
        size = sum(math.prod(shape) for shape in expected.values())
        wrong = [name for name in sorted(expected.keys() | got.keys())
                 if expected.get(name) != got.get(name)]
        details = "; ".join(f"{name}: needs {expected.get(name)}, file has {got.get(name)}"
                            for name in wrong[:3])
        raise ValueError(
            f"its architecture needs {size:,} parameters, but its arrays do not match it "
            f"({details}{'; ...' if len(wrong) > 3 else ''})"
        )
