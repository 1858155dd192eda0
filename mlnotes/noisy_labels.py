r"""A noisy-label transition layer for Keras, kept column-stochastic (Chapter 8, P4).

A classifier predicts clean-class probabilities :math:`p(y \mid x)`. If the training labels
were corrupted by a channel :math:`Q_{ij} = P(\tilde y = i \mid y = j)`, the labels we see
have probabilities :math:`p(\tilde y \mid x) = Q\, p(y \mid x)`. Training the classifier
through a learnable :math:`Q` and predicting with the classifier alone recovers a cleaner
model. :math:`Q` must stay column-stochastic (non-negative columns summing to one), which
this module does in two ways:

``"softmax"``
    :math:`Q = \operatorname{softmax}(L)` column by column, for unconstrained logits :math:`L`
    (a parametrisation: any :math:`L` gives a valid :math:`Q`).
``"projection"``
    :math:`Q` itself is the variable; after every optimiser step each column is projected
    back onto the simplex (a Keras weight constraint).
``"resoftmax"``
    The pitfall, kept for comparison: :math:`Q` is the variable and after every step each
    column is replaced by its softmax. That map is not a projection (a valid column
    :math:`(0.6, 0.4, 0)` becomes :math:`(0.42, 0.35, 0.23)`): it pulls :math:`Q` towards
    the uniform matrix at every step, whatever the data say.

References
----------
Sukhbaatar et al. (2015), "Training convolutional networks with noisy labels", ICLR workshop;
Patrini et al. (2017), "Making deep neural networks robust to label noise: a loss correction
approach", CVPR.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from mlnotes._checks import as_array, check_choice, check_int, check_real, check_seed
from mlnotes.tf_env import keras, tf

__all__ = ["ChannelFit", "NoisyChannel", "SimplexColumns", "SoftmaxColumns", "fit_softmax_classifier",
           "flip_labels", "project_columns_to_simplex"]

_MODES = ("softmax", "projection", "resoftmax")


def _weight_matrix(w: Any, name: str) -> tf.Tensor:
    """A (K, M) floating-point tensor; checked for NaN and infinities when run eagerly."""
    if isinstance(w, keras.Variable):  # a Keras weight, as a constraint receives it
        w = tf.convert_to_tensor(w)
    elif not tf.is_tensor(w):
        w = tf.constant(as_array(w, name, ndim=2, min_size=1))
    if w.shape.rank != 2:
        raise ValueError(f"{name} must have 2 dimension(s); got shape {tuple(w.shape)}")
    if not w.dtype.is_floating:
        raise TypeError(f"{name} must be a floating-point tensor; got dtype {w.dtype.name}")
    if 0 in w.shape:
        raise ValueError(f"{name} must have at least 1 element(s); got shape {tuple(w.shape)}")
    if tf.executing_eagerly() and not bool(tf.reduce_all(tf.math.is_finite(w))):
        raise ValueError(f"{name} must be finite; got NaN or infinite value(s)")
    return w


def project_columns_to_simplex(q: Any) -> tf.Tensor:
    r"""Euclidean projection of every column of ``q`` onto the probability simplex, in TensorFlow.

    The sort-based algorithm of :func:`mlnotes.probability.project_to_simplex` (Duchi et
    al. 2008), written with TensorFlow ops so that Keras can apply it after each step.
    Each column is first shifted by its maximum (the projection commutes with shifts), so
    that the cumulative sums keep the "-1" at any scale: a column ``[1e17, 0]`` projects
    to ``[1, 0]``.

    Parameters
    ----------
    q : tensor or array_like, shape (K, M), floating point
        Inside a graph (a Keras constraint) the values are not checked; called eagerly,
        NaN and infinities are refused.

    Returns
    -------
    tf.Tensor, shape (K, M), ``q``'s dtype; columns non-negative, summing to 1.
    """
    q = _weight_matrix(q, "q")
    columns = tf.transpose(q)  # one row per column of q
    # entries more than 1 below the column's maximum project to 0: clipping them at -2 keeps the sums finite
    columns = tf.maximum(columns - tf.reduce_max(columns, axis=1, keepdims=True), -2.0)
    u = tf.sort(columns, axis=1, direction="DESCENDING")
    cumulative = tf.cumsum(u, axis=1) - 1.0
    j = tf.cast(tf.range(1, tf.shape(q)[0] + 1), q.dtype)
    rho = tf.reduce_sum(tf.cast(u - cumulative / j > 0, tf.int32), axis=1)  # >= 1: u_1 = 0
    tau = tf.gather(cumulative, rho - 1, batch_dims=1) / tf.cast(rho, q.dtype)
    return tf.transpose(tf.maximum(columns - tau[:, None], 0.0))


class SimplexColumns(keras.constraints.Constraint):
    """Keras constraint: project each column of a weight matrix onto the simplex after each update."""

    def __call__(self, w: tf.Tensor) -> tf.Tensor:
        return project_columns_to_simplex(_weight_matrix(w, "w"))


class SoftmaxColumns(keras.constraints.Constraint):
    """Keras constraint: each column replaced by its softmax after each update (the pitfall: module doc)."""

    def __call__(self, w: tf.Tensor) -> tf.Tensor:
        return tf.nn.softmax(_weight_matrix(w, "w"), axis=0)


class NoisyChannel(keras.layers.Layer):
    r"""Maps clean-class probabilities :math:`p` (batch, K) to noisy-label probabilities :math:`Q p`.

    Parameters
    ----------
    n_classes : int
    mode : {"softmax", "projection", "resoftmax"}
        How :math:`Q` is kept column-stochastic (see the module docstring).
    diagonal : float in (0, 1), default 0.9
        Initial :math:`Q = d\, I + \frac{1 - d}{K-1}(\mathbf 1\mathbf 1^\top - I)` with :math:`d` = diagonal:
        starting near the identity tells the layer that most labels are right, which
        keeps it from absorbing the classifier's job.
    """

    def __init__(self, n_classes: int, mode: str = "softmax", diagonal: float = 0.9, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_classes = check_int(n_classes, "n_classes", low=2)
        self.mode = check_choice(mode, "mode", _MODES)
        self.diagonal = check_real(diagonal, "diagonal", low=0.0, high=1.0, low_open=True, high_open=True)
        k = self.n_classes
        q0 = np.full((k, k), (1 - self.diagonal) / (k - 1))
        np.fill_diagonal(q0, self.diagonal)
        if self.mode == "softmax":
            init = np.log(q0)  # softmax of log(q0) over columns is q0 again
            self.kernel = self.add_weight(shape=(k, k), initializer=keras.initializers.Constant(init),
                                          name="logits")
        else:
            constraint = SimplexColumns() if self.mode == "projection" else SoftmaxColumns()
            self.kernel = self.add_weight(shape=(k, k), initializer=keras.initializers.Constant(q0), name="q",
                                          constraint=constraint)

    def transition_matrix(self) -> np.ndarray:
        """The current column-stochastic :math:`Q` as a NumPy array (K, K)."""
        return self._q().numpy()

    def _q(self) -> tf.Tensor:
        return tf.nn.softmax(self.kernel, axis=0) if self.mode == "softmax" else self.kernel

    def call(self, p: tf.Tensor) -> tf.Tensor:
        return tf.linalg.matmul(p, self._q(), transpose_b=True)  # rows: (Q p_b)^T = p_b^T Q^T


def flip_labels(labels: Any, transition: Any, seed: int = 0) -> np.ndarray:
    r"""Corrupt labels through a channel: :math:`\tilde y \sim Q_{\cdot, y}` for each label :math:`y`.

    Parameters
    ----------
    labels : array_like of int, shape (n,), n >= 1
        Clean labels in ``0..K-1``.
    transition : array_like, shape (K, K)
        Column-stochastic :math:`Q_{ij} = P(\tilde y = i \mid y = j)` (columns summing to 1
        within 1e-8).
    seed : int >= 0

    Returns
    -------
    ndarray of int, shape (n,)
        One draw per label, by inverse-CDF sampling of its column.
    """
    q = as_array(transition, "transition", ndim=2)
    k = q.shape[0]
    if q.shape != (k, k) or k < 2:
        raise ValueError(f"transition must be a square matrix with at least 2 classes; got shape {q.shape}")
    if np.any(q < 0) or not np.allclose(q.sum(axis=0), 1.0, rtol=0.0, atol=1e-8):
        raise ValueError(f"transition must be column-stochastic (entries >= 0, columns summing to 1); got "
                         f"smallest entry {q.min():.3g} and column sums {np.round(q.sum(axis=0), 6)}")
    y = _check_labels(labels, "labels", k)
    rng = np.random.default_rng(check_seed(seed))
    cumulative = np.cumsum(q[:, y], axis=0)  # (K, n): per-sample inverse-CDF sampling
    return np.minimum(np.sum(rng.random(y.size) >= cumulative, axis=0), k - 1)


def _check_labels(labels: Any, name: str, k: int, n: int | None = None) -> np.ndarray:
    y = np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers in 0..{k - 1}; got dtype {y.dtype}")
    want = "(n,) with n >= 1" if n is None else f"({n},), one per row of x"
    if y.ndim != 1 or y.size == 0 or (n is not None and y.size != n):
        raise ValueError(f"{name} must have shape {want}; got {y.shape}")
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"{name} must be integers in 0..{k - 1}; got values from {y.min()} to {y.max()}")
    return y.astype(np.int64)


class ChannelFit(NamedTuple):
    """What :func:`fit_softmax_classifier` returns."""

    classifier: keras.Model
    """Inputs (n, d) -> clean-class probabilities (n, K)."""
    channel: NoisyChannel | None
    """The trained layer (``channel.transition_matrix()`` estimates :math:`Q`), or None."""
    history: dict[str, np.ndarray]
    """``{"loss": array of shape (epochs,)}``: mean training cross-entropy of each epoch."""


def fit_softmax_classifier(
    x: Any,
    noisy_labels: Any,
    n_classes: int,
    *,
    channel: str | None = None,
    epochs: int = 150,
    learning_rate: float = 0.05,
    batch_size: int = 500,
    seed: int = 0,
) -> ChannelFit:
    r"""Train a linear softmax classifier on (possibly noisy) labels, optionally through a channel.

    Without ``channel`` the model fits :math:`p(\tilde y \mid x)` directly. With
    ``channel="softmax"``, ``"projection"`` or ``"resoftmax"`` the training output is
    :math:`Q\,p(y \mid x)` (a :class:`NoisyChannel`), and the returned classifier is the
    part before it, an estimate of the clean :math:`p(y \mid x)`.

    Training minimises the mean cross-entropy :math:`-\frac1n \sum_i \log p_{\tilde y_i}`
    with Adam, on mini-batches of a fresh permutation each epoch (drawn from ``seed``).
    The whole run is one compiled TensorFlow graph (a ``tf.function`` looping over epochs
    and batches), which is what Keras' ``fit`` does per step, without its per-epoch
    Python overhead.

    Parameters
    ----------
    x : array_like, shape (n, d), finite, within float32's range
    noisy_labels : array_like of int, shape (n,), values in ``0..n_classes-1``
    n_classes : int >= 2
    channel : {None, "softmax", "projection", "resoftmax"}
    epochs, batch_size : int >= 1
    learning_rate : float > 0
    seed : int >= 0

    Returns
    -------
    ChannelFit
        ``(classifier, channel, history)``, history ``{"loss": (epochs,)}``.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (lower ``learning_rate`` or rescale ``x``).

    References
    ----------
    Sukhbaatar et al. (2015); Kingma and Ba (2015), "Adam", ICLR.
    """
    from mlnotes.tf_env import set_seed

    xs = as_array(x, "x", ndim=2)
    if xs.shape[0] == 0 or xs.shape[1] == 0:
        raise ValueError(f"x must have at least 1 row and 1 column; got shape {xs.shape}")
    if np.abs(xs).max() >= np.finfo(np.float32).max:
        raise ValueError(f"x must lie within float32's range (|x| < 3.4e38); got |x| up to "
                         f"{np.abs(xs).max():.3g}")
    n_classes = check_int(n_classes, "n_classes", low=2)
    y = _check_labels(noisy_labels, "noisy_labels", n_classes, n=xs.shape[0])
    if channel is not None:
        check_choice(channel, "channel", _MODES)
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    seed = check_seed(seed)
    set_seed(seed)
    inputs = keras.Input((xs.shape[1],))
    clean = keras.layers.Dense(n_classes, activation="softmax")(inputs)
    layer = None if channel is None else NoisyChannel(n_classes, mode=channel, diagonal=0.8)
    model = keras.Model(inputs, clean if layer is None else layer(clean))
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    n = xs.shape[0]
    n_batches = -(-n // batch_size)
    order = np.random.default_rng(seed).permuted(np.tile(np.arange(n), (epochs, 1)), axis=1)
    data_x, data_y = tf.constant(xs, tf.float32), tf.constant(y, tf.int32)

    @tf.function
    def train(order: tf.Tensor) -> tf.Tensor:
        losses = tf.TensorArray(tf.float32, size=epochs)
        for epoch in tf.range(epochs):
            total = tf.constant(0.0)
            for b in tf.range(n_batches):
                idx = order[epoch, b * batch_size:tf.minimum((b + 1) * batch_size, n)]
                with tf.GradientTape() as tape:
                    loss = loss_fn(tf.gather(data_y, idx), model(tf.gather(data_x, idx), training=True))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
                total += loss * tf.cast(tf.size(idx), tf.float32)
            losses = losses.write(epoch, total / n)
        return losses.stack()

    history = {"loss": train(tf.constant(order, tf.int32)).numpy().astype(np.float64)}
    if not np.all(np.isfinite(history["loss"])):
        first = int(np.argmin(np.isfinite(history["loss"])))
        raise FloatingPointError(f"the training loss became {history['loss'][first]} at epoch {first}; "
                                 "lower learning_rate or rescale x")
    return ChannelFit(keras.Model(inputs, clean), layer, history)
