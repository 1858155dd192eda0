r"""Recording what a Keras optimiser does to the weights during ``fit`` (Chapter 3).

The TensorFlow side of :mod:`mlnotes.optimizers` (which stays NumPy-only): a Keras callback
that records, for every training step, the weights before the step and their change
:math:`\Delta\theta_t = \theta_t - \theta_{t-1}`, with no extra forward or backward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlnotes._checks import check_bool
from mlnotes.tf_env import keras

__all__ = ["DeltaRecorder"]


class DeltaRecorder(keras.callbacks.Callback):
    r"""A Keras callback recording each training step's weight change (the *delta*).

    Before every training batch it copies the model's weights, after the batch it subtracts
    them from the new weights:

    .. math::
        \Delta\theta_t = \theta_t - \theta_{t-1},

    one array per weight of ``model.get_weights()`` (trainable and non-trainable, in that
    order, so a layer that changes no weight records zeros). The cost is one copy of the
    weights per step (two with ``keep_weights=True``); no gradient is recomputed. It works
    with any optimiser, since it only looks at the weights. With Keras' RMSprop and
    ``momentum > 0`` the delta equals minus the optimiser's momentum variable.

    Parameters
    ----------
    keep_weights : bool, default False
        Also keep the weights seen before each step in :attr:`before` (to replay a run).

    Attributes
    ----------
    deltas : list of list of ndarray
        ``deltas[t][i]`` is the change of weight ``i`` in training step ``t`` (counted over
        all epochs of the last ``fit``), shaped like that weight.
    before : list of list of ndarray
        The weights before each step; empty unless ``keep_weights``.

    Examples
    --------
    >>> recorder = DeltaRecorder()                                    # doctest: +SKIP
    >>> model.fit(x, y, epochs=2, verbose=0, callbacks=[recorder])    # doctest: +SKIP
    >>> recorder.deltas[0]   # the first step's change of every weight  # doctest: +SKIP

    References
    ----------
    Keras documentation, "Writing your own callbacks" (``on_train_batch_begin`` and
    ``on_train_batch_end``).
    """

    def __init__(self, keep_weights: bool = False) -> None:
        super().__init__()
        self.keep_weights = check_bool(keep_weights, "keep_weights")
        self.deltas: list[list[np.ndarray]] = []
        self.before: list[list[np.ndarray]] = []
        self._start: list[np.ndarray] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Start a fresh record for this ``fit``."""
        self.deltas, self.before, self._start = [], [], None

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Copy the weights the step starts from."""
        self._start = [np.array(w, copy=True) for w in self.model.get_weights()]
        if self.keep_weights:
            self.before.append(self._start)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Record the step's change of every weight."""
        if self._start is None:  # no matching begin (a fit interrupted and resumed oddly)
            raise RuntimeError("DeltaRecorder saw the end of a batch without its start")
        after = self.model.get_weights()
        self.deltas.append([a - b for a, b in zip(after, self._start, strict=True)])
        self._start = None
