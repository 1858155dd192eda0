"""Chapter 6 in Keras: a one-layer attention model, its next-token function, and loss gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mlnotes._checks import as_array, check_bool, check_int, check_seed
from mlnotes.tf_env import keras, tf

__all__ = ["PositionEmbedding", "loss_gradients", "next_token_logits", "sequence_attention_model"]


class PositionEmbedding(keras.layers.Layer):
    """Adds a trainable vector per position: ``x[:, p] + table[p]`` for inputs (B, length, d).

    The table, shape (length, d), is a weight of the layer (listed in ``model.weights`` and
    updated by training), initialised with ``GlorotUniform(seed)``.

    References
    ----------
    Vaswani et al. (2017), section 3.5 (learned positional embeddings, as in their table 3, row E).
    """

    def __init__(self, length: int, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.length = check_int(length, "length", low=1)
        self.seed = check_seed(seed)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if input_shape[-2] != self.length:
            raise ValueError(f"inputs must have shape (B, {self.length}, d); got {tuple(input_shape)}")
        self.table = self.add_weight(shape=(self.length, input_shape[-1]), name="table",
                                     initializer=keras.initializers.GlorotUniform(seed=self.seed))

    def call(self, x: Any) -> Any:
        return x + self.table

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "length": self.length, "seed": self.seed}


def sequence_attention_model(
    length: int,
    vocab: int,
    d_model: int = 32,
    num_heads: int = 1,
    seed: int = 0,
    causal: bool = False,
    shared_initializer: bool = False,
) -> tuple[Any, Any]:
    r"""Token + position embeddings, one ``MultiHeadAttention`` layer, a dense layer to logits.

    .. math::
        x_p = E[\text{token}_p] + P[p], \qquad
        z = \operatorname{MHA}(x, x), \qquad \ell_p = z_p W + b \in \mathbb R^{\text{vocab}},

    with a trainable token table :math:`E` and position table :math:`P`
    (:class:`PositionEmbedding`). The model returns *logits*: train it with
    ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)`` and apply a softmax
    for probabilities. There is no residual path, so a position knows its own token only
    through attention.

    Every weight matrix gets its own initialiser, ``GlorotUniform`` seeded with
    ``seed`` plus a per-matrix offset (token table +0, position table +1, the attention
    layer's query, key, value and output kernels +2..+5, the output layer +6): the same
    ``seed`` gives the same model, and no two matrices start equal. (Keras'
    ``MultiHeadAttention`` copies one initialiser, seed included, to all four of its
    projections, so they are re-drawn here after the layer is built, with the fan-in and
    fan-out axes Keras uses for them.)

    Parameters
    ----------
    length : int, >= 2
        Sequence length (the position table has this many rows).
    vocab : int, >= 2
    d_model : int, >= 1
        Embedding width; each head has ``key_dim = d_model // num_heads``.
    num_heads : int, in [1, d_model]
    seed : int, >= 0
    causal : bool, default False
        If True, position :math:`t` attends only to positions :math:`\le t` (Keras'
        ``use_causal_mask``), so the logits at :math:`t` predict token :math:`t + 1`:
        a language model, usable with :func:`next_token_logits`.
    shared_initializer : bool, default False
        If True, reproduce the flawed initialisation of an earlier version, for
        demonstration only: one ``GlorotUniform(seed)`` for every matrix. A seeded Keras
        initialiser returns the same numbers at every call for the same shape, so
        :math:`W^Q = W^K = W^V` at the start.

    Returns
    -------
    model : keras.Model
        Tokens (B, length) -> logits (B, length, vocab). ``model.causal`` records ``causal``.
    attention_model : keras.Model
        Same weights; tokens -> the attention weights (B, num_heads, length, length).

    References
    ----------
    Vaswani et al. (2017), sections 3.2 and 3.5; Keras API documentation of
    ``MultiHeadAttention`` and ``SparseCategoricalCrossentropy``.
    """
    length = check_int(length, "length", low=2)
    vocab = check_int(vocab, "vocab", low=2)
    d_model = check_int(d_model, "d_model", low=1)
    num_heads = check_int(num_heads, "num_heads", low=1, high=d_model)
    seed = check_seed(seed)
    causal = check_bool(causal, "causal")
    shared = check_bool(shared_initializer, "shared_initializer")

    def init(offset: int, **axes: list[int]) -> Any:
        return keras.initializers.GlorotUniform(seed=seed if shared else seed + offset, **axes)

    tokens = keras.Input((length,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab, d_model, embeddings_initializer=init(0), name="token_embedding")(tokens)
    x = PositionEmbedding(length, seed=seed + 1, name="position_embedding")(x)
    attention = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=d_model // num_heads,
                                                kernel_initializer=init(2), name="attention")
    z, scores = attention(x, x, return_attention_scores=True, use_causal_mask=causal)
    logits = keras.layers.Dense(vocab, kernel_initializer=init(6), name="logits")(z)
    if not shared:  # EinsumDense's fans: (d_model -> heads x key_dim), (heads x key_dim -> d_model)
        projections = [attention.query_dense, attention.key_dense, attention.value_dense]
        for offset, dense in enumerate(projections, start=2):
            dense.kernel.assign(init(offset, input_axes=[0], output_axes=[1, 2])(dense.kernel.shape))
        kernel = attention.output_dense.kernel
        kernel.assign(init(5, input_axes=[0, 1], output_axes=[2])(kernel.shape))
    model = keras.Model(tokens, logits)
    model.causal = causal
    return model, keras.Model(tokens, scores)


def next_token_logits(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A next-token function for :func:`mlnotes.attention.generate` from a causal model.

    The returned function takes tokens (B, t) with ``1 <= t <= length``, pads them with
    zeros to the model's length (a causal model's logits at position ``t - 1`` do not see
    the padding) and returns the logits at position ``t - 1``, shape (B, vocab), as float64.

    Parameters
    ----------
    model : keras.Model
        From :func:`sequence_attention_model` with ``causal=True``.

    References
    ----------
    Vaswani et al. (2017), section 3.2.3 (masking in the decoder).
    """
    if getattr(model, "causal", None) is not True:
        raise ValueError("model must be a causal model from sequence_attention_model(..., causal=True); "
                         f"got {type(model).__name__} with causal={getattr(model, 'causal', None)!r}")
    length, vocab = int(model.input_shape[1]), int(model.output_shape[-1])

    def logits_at_last(tokens: Any) -> np.ndarray:
        arr = as_array(tokens, "tokens", ndim=2)
        if not 1 <= arr.shape[1] <= length:
            raise ValueError(f"tokens must have shape (B, t) with 1 <= t <= {length} (the model's length); "
                             f"got {arr.shape}")
        if np.any(arr != np.round(arr)) or np.any(arr < 0) or np.any(arr >= vocab):
            raise ValueError(f"tokens must be integer token ids in [0, {vocab - 1}]; "
                             f"got values from {arr.min():g} to {arr.max():g}")
        padded = np.zeros((arr.shape[0], length), np.int32)
        padded[:, : arr.shape[1]] = arr
        return np.asarray(model(padded, training=False))[:, arr.shape[1] - 1].astype(np.float64)

    return logits_at_last


def loss_gradients(logits: Any, labels: Any) -> dict[str, np.ndarray]:
    r"""TensorFlow's gradients with respect to the logits of three losses, per example.

    With :math:`p = \operatorname{softmax}(\ell)` and one-hot labels :math:`y`:

    - ``"cross-entropy on logits"``: ``tf.nn.sparse_softmax_cross_entropy_with_logits``,
      whose gradient is :math:`p - y`;
    - ``"cross-entropy on probabilities"``: Keras' ``sparse_categorical_crossentropy``
      given :math:`p` (``from_logits=False``), which clips :math:`p` to
      :math:`[\epsilon, 1 - \epsilon]`, :math:`\epsilon = 10^{-7}`, before the log, so once
      :math:`p_y < \epsilon` the loss is stuck at :math:`-\log \epsilon` and the gradient
      of the true class's logit shrinks to about :math:`-p_y`;
    - ``"squared error on probabilities"``: :math:`\lVert p - y \rVert^2`, whose gradient
      :math:`2 J_p^\top (p - y)` carries the softmax Jacobian and vanishes when :math:`p`
      saturates.

    Parameters
    ----------
    logits : array_like, shape (B, V)
    labels : array_like of int, shape (B,)

    Returns
    -------
    dict
        Loss name -> gradient array (B, V), float64, computed by ``tf.GradientTape``.

    References
    ----------
    TensorFlow API documentation of ``tf.nn.sparse_softmax_cross_entropy_with_logits``;
    Keras API documentation of ``sparse_categorical_crossentropy`` (its ``from_logits``).
    """
    ell = as_array(logits, "logits", ndim=2, min_size=1)
    y = as_array(labels, "labels")
    if y.shape != ell.shape[:1]:
        raise ValueError(f"labels must have shape {ell.shape[:1]}, one label per row of logits; "
                         f"got {y.shape}")
    if np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= ell.shape[1]):
        raise ValueError(f"labels must be integers in [0, {ell.shape[1] - 1}]; "
                         f"got values from {y.min():g} to {y.max():g}")
    t_logits, t_labels = tf.constant(ell), tf.constant(y.astype(np.int64))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(t_logits)
        p = tf.nn.softmax(t_logits)
        losses = {
            "cross-entropy on logits": tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=t_labels, logits=t_logits),
            "cross-entropy on probabilities": keras.losses.sparse_categorical_crossentropy(t_labels, p),
            "squared error on probabilities": tf.reduce_sum(
                (p - tf.one_hot(t_labels, ell.shape[1], dtype=p.dtype)) ** 2, axis=1),
        }
    return {name: tape.gradient(loss, t_logits).numpy() for name, loss in losses.items()}
