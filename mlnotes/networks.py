"""The one fully connected network builder the book's Keras chapters share.

Chapter 1 (gradients with respect to inputs) and chapter 5 (the VAE's encoder and
decoder) both need a plain multilayer perceptron with reproducible weights; this
module builds it once, with checked arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlnotes._checks import as_array, check_choice, check_int, check_positive_ints, check_seed
from mlnotes.tf_env import keras

__all__ = ["dense_layers", "hidden_preactivations", "make_mlp", "mlp_apply"]


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


_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softplus")


def dense_layers(model: Any) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The weights of a stack of ``Dense`` layers as NumPy arrays: ``[(W, b, activation), ...]``.

    ``W`` has shape (n_in, n_out) and ``b`` (n_out,), as Keras stores them
    (``y = activation(x @ W + b)``). Used to run the same network in NumPy or JAX
    (:func:`mlp_apply`) and to inspect its hidden units (:func:`hidden_preactivations`).

    Parameters
    ----------
    model : keras.Model
        A model whose layers with weights are all ``keras.layers.Dense`` with one of
        the activations "linear", "relu", "tanh", "sigmoid", "softplus" (what
        :func:`make_mlp` builds).

    Returns
    -------
    list of (ndarray, ndarray, str)

    References
    ----------
    Keras API docs, ``keras.layers.Dense``.
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"model must be a Keras model of Dense layers; got {type(model).__name__}")
    out = []
    for layer in layers:
        if not layer.weights:
            continue
        if not isinstance(layer, keras.layers.Dense) or not layer.use_bias:
            raise ValueError(f"model must contain only Dense layers with biases; got {type(layer).__name__} "
                             f"{layer.name!r}")
        name = layer.activation.__name__
        check_choice(name, f"the activation of layer {layer.name!r}", _ACTIVATIONS)
        w, b = (np.asarray(v.numpy()) for v in (layer.kernel, layer.bias))
        out.append((w, b, name))
    if not out:
        raise ValueError("model must contain at least one Dense layer; got none with weights")
    return out


def _activation(name: str, xp: Any) -> Callable[[Any], Any]:
    return {
        "linear": lambda z: z,
        "relu": lambda z: xp.maximum(z, 0),
        "tanh": xp.tanh,
        "sigmoid": lambda z: 1 / (1 + xp.exp(-z)),
        "softplus": lambda z: xp.logaddexp(z, 0),
    }[name]


def mlp_apply(layers: Sequence[tuple[Any, Any, str]], x: Any, xp: Any = np) -> Any:
    r"""Run a stack of dense layers, :math:`h \leftarrow \phi(h W + b)`, with an array library.

    Parameters
    ----------
    layers : list of (W, b, activation)
        As returned by :func:`dense_layers`.
    x : array_like, shape (..., n_in)
        One input vector or a batch.
    xp : module, default numpy
        ``numpy`` or ``jax.numpy``: the same weights then run, and differentiate, in
        that library (``jax.jacrev(lambda v: mlp_apply(layers, v, jnp))``).

    Returns
    -------
    array, shape (..., n_out)
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(f"layers must be a non-empty list of (W, b, activation) from dense_layers; "
                        f"got {type(layers).__name__}")
    if xp is np:
        x = as_array(x, "x", ndim=(1, 2))
    n_in = np.shape(layers[0][0])[0]
    if np.shape(x)[-1] != n_in:
        raise ValueError(f"x must have {n_in} features in its last axis; got shape {tuple(np.shape(x))}")
    h = x
    for w, b, name in layers:
        h = _activation(name, xp)(h @ w + b)
    return h


def hidden_preactivations(model: Any, x: Any) -> list[np.ndarray]:
    r"""The inputs :math:`z_\ell = h_{\ell-1} W_\ell + b_\ell` of every hidden layer's activation.

    For a ReLU network a unit is "on" where its pre-activation is positive; the
    network is affine wherever no unit changes sign, so its kinks lie where some
    :math:`z_\ell` crosses zero.

    Parameters
    ----------
    model : keras.Model
        A stack of Dense layers (see :func:`dense_layers`).
    x : array_like, shape (n, n_in)

    Returns
    -------
    list of ndarray
        One array of shape (n, width) per hidden layer (the output layer excluded).
    """
    layers = dense_layers(model)
    h = as_array(x, "x", ndim=2)
    if h.shape[1] != layers[0][0].shape[0]:
        raise ValueError(f"x must have shape (n, {layers[0][0].shape[0]}); got {h.shape}")
    out = []
    for w, b, name in layers[:-1]:
        z = h @ w + b
        out.append(z)
        h = _activation(name, np)(z)
    return out
