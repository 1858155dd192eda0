"""The one fully connected network builder the book's Keras chapters share.

Chapter 1 (gradients with respect to inputs) and chapter 5 (the VAE's encoder and
decoder) both need a plain multilayer perceptron with reproducible weights; this
module builds it once, with checked arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlnotes._checks import check_int, check_positive_ints, check_seed
from mlnotes.tf_env import keras

__all__ = ["make_mlp"]


def make_mlp(
    n_inputs: int,
    n_outputs: int,
    hidden: Sequence[int] = (32, 32),
    activation: str = "tanh",
    seed: int = 0,
    *,
    output_seed: int | None = None,
    name: str | None = None,
) -> keras.Sequential:
    r"""A fully connected network :math:`\mathbb R^{n_\text{in}} \to \mathbb R^{n_\text{out}}`.

    .. math::
        h_0 = x, \qquad h_\ell = \phi(W_\ell h_{\ell-1} + b_\ell) \ (\ell = 1..L), \qquad
        f(x) = W_{L+1} h_L + b_{L+1},

    with :math:`L` = ``len(hidden)`` hidden layers of activation :math:`\phi` and a
    linear output layer (logits, means, log-variances: the caller adds any output
    nonlinearity). Weights are Glorot-uniform, biases zero; hidden layer ``i`` is
    seeded with ``seed + i`` and the output layer with ``output_seed``, so the same
    call always gives the same network.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Input and output dimensions, at least 1. Input batches have shape
        (batch, n_inputs); outputs (batch, n_outputs).
    hidden : sequence of int, default (32, 32)
        Widths of the hidden layers, each at least 1; empty gives a linear model.
    activation : str, default "tanh"
        A Keras activation name ("relu", "tanh", "softplus", "gelu", ...).
    seed : int, default 0
        Non-negative seed of the hidden layers' initialisers.
    output_seed : int, optional
        Seed of the output layer's initialiser; default ``seed + len(hidden)``.
    name : str, optional
        The model's name (Keras picks one when omitted).

    Returns
    -------
    keras.Sequential
        Built (its weights exist), not compiled.

    References
    ----------
    Glorot and Bengio (2010), "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS; Keras API docs, ``keras.layers.Dense``.
    """
    n_inputs = check_int(n_inputs, "n_inputs", low=1)
    n_outputs = check_int(n_outputs, "n_outputs", low=1)
    widths = check_positive_ints(hidden, "hidden", min_len=0)
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a Keras activation name (str); got {type(activation).__name__}")
    try:
        keras.activations.get(activation)
    except ValueError:
        raise ValueError(f"activation must be a Keras activation name such as 'relu' or 'tanh'; "
                         f"got {activation!r}") from None
    seed = check_seed(seed, "seed")
    output_seed = check_seed(output_seed, "output_seed", allow_none=True)
    if output_seed is None:
        output_seed = seed + len(widths)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str or None; got {type(name).__name__}")
    layers: list[Any] = [keras.Input(shape=(n_inputs,))]
    for i, width in enumerate(widths):
        init = keras.initializers.GlorotUniform(seed=seed + i)
        layers.append(keras.layers.Dense(width, activation=activation, kernel_initializer=init))
    init = keras.initializers.GlorotUniform(seed=output_seed)
    layers.append(keras.layers.Dense(n_outputs, kernel_initializer=init))
    return keras.Sequential(layers, name=name)
