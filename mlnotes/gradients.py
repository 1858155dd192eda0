"""Gradients with respect to inputs: derivatives, Jacobians, input optimisation, and
gradients through non-differentiable operations (Chapter 1).

Everything here is TensorFlow: the chapter is about what ``tf.GradientTape``
computes and how to make it compute what you want.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlnotes._checks import as_array, check_callable, check_choice, check_int, check_real
from mlnotes.networks import make_mlp
from mlnotes.tf_env import keras, tf

__all__ = [
    "InputMaximum",
    "input_derivatives",
    "input_gradient_penalty_loss",
    "jacobian",
    "make_mlp",
    "maximize_input",
    "round_ste",
    "sobolev_loss",
    "soft_step",
    "train",
]

TensorFn = Callable[[Any], Any]


def _as_tensor(x: Any, name: str, *, ndim: int | Sequence[int]) -> tf.Tensor:
    """Validate ``x`` and convert it, keeping float32 input float32 and using float64 otherwise."""
    dtype = np.float32 if getattr(x, "dtype", None) in (np.float32, tf.float32) else np.float64
    if isinstance(x, tf.Tensor):
        x = x.numpy()
    return tf.convert_to_tensor(as_array(x, name, ndim=ndim, dtype=dtype, min_size=1))


def input_derivatives(f: TensorFn, x: Any, order: int = 2) -> list[np.ndarray]:
    r"""Values and derivatives ``[f(x), f'(x), ..., f^(order)(x)]`` of an elementwise function.

    ``f`` maps a batch of scalars to a batch of scalars, each output depending on
    its own input only (a network ``R -> R`` evaluated on a batch, or ``tf.sin``).
    Then the gradient of :math:`\sum_i f(x_i)` with respect to :math:`x_j` is
    :math:`f'(x_j)`, so one gradient call per order gives every derivative. The
    derivatives are taken with ``order`` nested ``tf.GradientTape`` s: each outer
    tape records the gradient computation of the tape inside it.

    Parameters
    ----------
    f : callable
        Takes a tensor shaped like ``x`` and returns one value per element.
    x : array_like, shape (n,) or (n, 1)
        Points. float32 input stays float32; anything else becomes float64.
    order : int, default 2
        Highest derivative; ``order=0`` returns only ``[f(x)]``.

    Returns
    -------
    list of ndarray
        ``order + 1`` arrays, each of ``x``'s shape. A derivative that does not
        depend on ``x`` (the second derivative of a ReLU network) is zeros, not None.

    References
    ----------
    TensorFlow guide "Advanced automatic differentiation", section "Higher-order
    gradients".
    """
    f = check_callable(f, "f")
    order = check_int(order, "order", low=0)
    xt = _as_tensor(x, "x", ndim=(1, 2))
    if xt.shape.rank == 2 and xt.shape[1] != 1:
        raise ValueError(f"x must have shape (n,) or (n, 1); got {tuple(xt.shape)}")
    tapes = [tf.GradientTape() for _ in range(order)]
    for tape in tapes:  # outermost first
        tape.__enter__()
        tape.watch(xt)
    try:
        y = f(xt)
    except BaseException:
        for tape in reversed(tapes):
            tape.__exit__(None, None, None)
        raise
    y = tf.convert_to_tensor(y)
    if y.shape.num_elements() != xt.shape.num_elements():
        for tape in reversed(tapes):
            tape.__exit__(None, None, None)
        raise ValueError(
            f"f must return one value per input element; f(x) has shape {tuple(y.shape)} "
            f"for x of shape {tuple(xt.shape)}"
        )
    values = [tf.reshape(y, xt.shape)]
    for tape in reversed(tapes):  # innermost first, while the outer tapes still record
        tape.__exit__(None, None, None)
        d = tape.gradient(values[-1], xt, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        values.append(d)
    return [v.numpy() for v in values]


_compiled_jacobians: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _compiled_jacobian(f: TensorFn, method: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """One ``tf.function`` per (f, method), cached so that repeated calls do not retrace."""
    try:
        per_f = _compiled_jacobians.setdefault(f, {})
    except TypeError:  # f cannot be weakly referenced: compile without caching
        per_f = {}
    if method not in per_f:

        def jac(x: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = f(x)
            if method == "batch":
                return tape.batch_jacobian(y, x)
            return tape.jacobian(y, x)

        per_f[method] = tf.function(jac, reduce_retracing=True)
    return per_f[method]


def jacobian(f: TensorFn, x: Any, method: str = "vectorized") -> np.ndarray:
    r"""The Jacobian :math:`J_{ij} = \partial f_i / \partial x_j` of a vector function.

    ``tape.gradient(y, x)`` of a vector ``y`` returns :math:`\sum_i \partial y_i/\partial x`,
    the column sums of :math:`J` (one reverse pass with the all-ones cotangent).
    The full matrix needs one reverse pass per output row; the methods differ in
    how those passes are organised:

    ``"loop"``
        A Python loop of ``tape.gradient(y[i], x)`` calls, eager: ``m`` passes.
    ``"vectorized"``
        ``tape.jacobian`` inside ``tf.function``: the ``m`` passes are vectorised
        by ``pfor`` into one graph.
    ``"batch"``
        ``tape.batch_jacobian`` inside ``tf.function`` for a batch of independent
        examples: one Jacobian per example.

    Parameters
    ----------
    f : callable
        For "loop" and "vectorized": tensor of shape (n,) -> tensor of shape (m,).
        For "batch": (b, n) -> (b, m), row k of the output depending on row k of the
        input only (a Keras model on a batch).
    x : array_like
        Shape (n,) for "loop" and "vectorized", (b, n) for "batch".
    method : {"vectorized", "loop", "batch"}

    Returns
    -------
    ndarray
        Shape (m, n), or (b, m, n) for "batch".

    References
    ----------
    TensorFlow guide "Advanced automatic differentiation", sections "Jacobians" and
    "Batch Jacobian"; Baydin et al. (2018), "Automatic differentiation in machine
    learning: a survey", JMLR 18(153).
    """
    f = check_callable(f, "f")
    check_choice(method, "method", ("vectorized", "loop", "batch"))
    xt = _as_tensor(x, "x", ndim=2 if method == "batch" else 1)
    want = 2 if method == "batch" else 1
    if method == "loop":
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(xt)
            y = tf.convert_to_tensor(f(xt))
            _check_output_rank(y, want, method)
            rows = [y[i] for i in range(y.shape[0])]  # slicing is recorded by the tape
        out = tf.stack(
            [tape.gradient(r, xt, unconnected_gradients=tf.UnconnectedGradients.ZERO) for r in rows]
        )
        del tape
        return out.numpy()
    y = tf.convert_to_tensor(f(xt))
    _check_output_rank(y, want, method)
    return _compiled_jacobian(f, method)(xt).numpy()


def _check_output_rank(y: tf.Tensor, want: int, method: str) -> None:
    if y.shape.rank != want:
        shape = "(b, m)" if want == 2 else "(m,)"
        raise ValueError(
            f"f must return a tensor of shape {shape} for method={method!r}; got shape {tuple(y.shape)}"
        )


def train(
    model: keras.Model | Sequence[tf.Variable],
    loss: Callable[[], tf.Tensor],
    *,
    steps: int,
    learning_rate: float = 1e-2,
) -> np.ndarray:
    """Minimise ``loss()`` over ``model``'s trainable weights with full-batch Adam.

    ``loss`` is a function of no arguments that reads ``model`` and its data from
    its closure; it may itself open gradient tapes (derivative terms), in which case
    the outer tape here differentiates through them: double back-propagation. The
    step is compiled once with ``tf.function``.

    Parameters
    ----------
    model : keras.Model or sequence of tf.Variable
        A model's ``trainable_variables``, or the given variables, are updated in place.
    loss : callable
        ``() -> scalar tensor``.
    steps : int
        Number of Adam steps.
    learning_rate : float, default 1e-2

    Returns
    -------
    ndarray, shape (steps,)
        The loss before each step.

    References
    ----------
    Kingma and Ba (2015), "Adam: a method for stochastic optimization", ICLR.
    """
    loss = check_callable(loss, "loss")
    steps = check_int(steps, "steps", low=1)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    if hasattr(model, "trainable_variables"):
        variables = list(model.trainable_variables)
    elif isinstance(model, (list, tuple)) and all(isinstance(v, tf.Variable) for v in model):
        variables = list(model)
    else:
        raise TypeError(f"model must be a Keras model or a sequence of tf.Variable; got {type(model).__name__}")
    if not variables:
        raise ValueError("model has no trainable variables")
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            value = loss()
        # A variable the loss does not reach (a gate with no gradient) gets a zero
        # update instead of an error: the notebooks show that it then never moves.
        grads = tape.gradient(value, variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        optimizer.apply_gradients(zip(grads, variables))
        return value

    history = np.empty(steps)
    for i in range(steps):
        history[i] = step().numpy()
    if not np.all(np.isfinite(history)):
        raise FloatingPointError("training diverged: the loss became NaN or infinite; lower learning_rate")
    return history


def sobolev_loss(
    model: TensorFn,
    x: tf.Tensor,
    y: tf.Tensor,
    dydx: tf.Tensor,
    derivative_weight: float = 1.0,
) -> tf.Tensor:
    r"""Squared error on values plus squared error on input derivatives (Sobolev training).

    .. math::
        L = \frac1n \sum_i (m(x_i) - y_i)^2
            + \lambda \frac1n \sum_i (m'(x_i) - y'_i)^2

    for a network :math:`m: \mathbb R \to \mathbb R` evaluated on a batch ``x`` of
    shape (n, 1). The derivative :math:`m'(x_i)` comes from an inner gradient tape,
    so minimising :math:`L` over the weights differentiates through a gradient.

    References
    ----------
    Czarnecki et al. (2017), "Sobolev training for neural networks", NeurIPS
    (arXiv:1706.04859).
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        pred = model(x)
    dpred = tape.gradient(pred, x)
    value_error = tf.reduce_mean(tf.square(pred - y))
    if derivative_weight == 0.0:
        return value_error
    return value_error + derivative_weight * tf.reduce_mean(tf.square(dpred - dydx))


def input_gradient_penalty_loss(
    model: TensorFn, x: tf.Tensor, y: tf.Tensor, penalty_weight: float = 1.0
) -> tf.Tensor:
    r"""Binary cross-entropy plus a penalty on its gradient with respect to the input.

    .. math::
        L(\theta) = \frac1n \sum_i \ell_i
            + \lambda \frac1n \sum_i \bigl\| \nabla_{x_i} \ell_i \bigr\|^2,
        \qquad \ell_i = \operatorname{BCE}\bigl(y_i, \sigma(m(x_i))\bigr),

    for a model returning logits of shape (n, 1). The per-example input gradients
    come from one ``tape.gradient`` of the summed loss (rows are independent);
    minimising :math:`L` over the weights back-propagates through that gradient
    (double back-propagation), which makes the model flatter around the data.

    References
    ----------
    Drucker and LeCun (1992), "Improving generalization performance using double
    backpropagation", IEEE Trans. Neural Networks 3(6).
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        per_example = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=model(x))
    input_grad = tape.gradient(per_example, x)
    penalty = tf.reduce_mean(tf.reduce_sum(tf.square(input_grad), axis=-1))
    return tf.reduce_mean(per_example) + penalty_weight * penalty


@dataclass(frozen=True)
class InputMaximum:
    """Result of :func:`maximize_input`.

    Attributes
    ----------
    y : ndarray, shape (d_y,)
        The best input found over all starts.
    value : float
        ``f(x_fixed, y)``.
    converged : bool
        Whether the projected gradient at ``y`` fell below the tolerance.
    gradient_norm : float
        Norm of the projected gradient at ``y`` (zero at an interior maximum or at a
        bound the gradient pushes against).
    history : ndarray, shape (steps + 1, n_starts)
        ``f`` along each start's path.
    starts, finals : ndarray, shape (n_starts, d_y)
        Where each run began and ended.
    message : str
        What happened, in words.
    """

    y: np.ndarray
    value: float
    converged: bool
    gradient_norm: float
    history: np.ndarray
    starts: np.ndarray
    finals: np.ndarray
    message: str


def maximize_input(
    f: TensorFn,
    x_fixed: Any,
    y0: Any,
    *,
    bounds: tuple[Any, Any] | None = None,
    steps: int = 500,
    learning_rate: float = 0.05,
    n_starts: int = 1,
    seed: int = 0,
    tol: float = 1e-3,
) -> InputMaximum:
    r"""Find ``y`` maximising ``f(x_fixed, y)`` by projected gradient ascent on the input.

    The network's weights stay fixed; the variable is part of its input. Each step is

    .. math:: y \leftarrow \Pi_{[l, u]}\bigl(y + \eta\, \nabla_y f(x, y)\bigr),

    where :math:`\Pi` clips to the box (the identity without bounds). All starts run
    together as one batch. A run has converged when the projected gradient
    :math:`\|\Pi(y + \nabla_y f) - y\|` is below ``tol``: either the gradient
    vanishes (a stationary point, which for a non-concave ``f`` may be a local
    maximum only, hence several starts) or it points out of the box at a bound.
    Without bounds and without a maximum (``f`` still rising as ``y`` grows), the
    gradient does not vanish, ``y`` drifts, and the result says so.

    Parameters
    ----------
    f : callable
        Takes a tensor of shape (batch, d_x + d_y), the concatenation ``[x, y]``
        (a Keras model with ``d_x + d_y`` inputs), and returns shape (batch,) or
        (batch, 1).
    x_fixed : array_like, shape (d_x,) or scalar
    y0 : array_like, shape (d_y,) or scalar
        The first start.
    bounds : (low, high), optional
        Box constraint on ``y``; scalars or arrays of shape (d_y,), ``low <= high``.
    steps : int, default 500
    learning_rate : float, default 0.05
    n_starts : int, default 1
        Further starts are drawn uniformly in the box, or from ``y0 + N(0, I)``
        without bounds.
    seed : int, default 0
        Seed of the extra starts.
    tol : float, default 1e-3
        Convergence threshold on the projected-gradient norm.

    Returns
    -------
    InputMaximum

    References
    ----------
    Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., section 16.7
    (gradient projection); Simonyan et al. (2014), "Deep inside convolutional
    networks", arXiv:1312.6034 (maximising a network's output over its input).
    """
    f = check_callable(f, "f")
    x = as_array(x_fixed, "x_fixed", ndim=(0, 1)).reshape(-1)
    y_start = as_array(y0, "y0", ndim=(0, 1)).reshape(-1)
    steps = check_int(steps, "steps", low=1)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    n_starts = check_int(n_starts, "n_starts", low=1)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    d_y = y_start.size
    rng = np.random.default_rng(seed)
    if bounds is None:
        low, high = np.full(d_y, -np.inf), np.full(d_y, np.inf)
        extra = y_start + rng.standard_normal((n_starts - 1, d_y))
    else:
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise TypeError(f"bounds must be a pair (low, high); got {bounds!r}")
        low = np.broadcast_to(as_array(bounds[0], "bounds[0]", ndim=(0, 1)), (d_y,)).copy()
        high = np.broadcast_to(as_array(bounds[1], "bounds[1]", ndim=(0, 1)), (d_y,)).copy()
        if np.any(low > high):
            raise ValueError(f"bounds must have low <= high; got low={low}, high={high}")
        y_start = np.clip(y_start, low, high)
        extra = rng.uniform(low, high, size=(n_starts - 1, d_y))
    starts = np.vstack([y_start[None, :], extra])
    x_rows = tf.constant(np.broadcast_to(x, (n_starts, x.size)), tf.float32)
    low_t, high_t = tf.constant(low, tf.float32), tf.constant(high, tf.float32)

    def value_and_gradient(y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(y)
            value = tf.reshape(f(tf.concat([x_rows, y], axis=1)), (-1,))
        return value, tape.gradient(value, y)  # rows are independent: sum gives each row's gradient

    @tf.function
    def ascend(y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        values = tf.TensorArray(tf.float32, size=steps + 1)
        for i in tf.range(steps):
            value, grad = value_and_gradient(y)
            values = values.write(i, value)
            y = tf.clip_by_value(y + learning_rate * grad, low_t, high_t)
        value, _ = value_and_gradient(y)
        return y, values.write(steps, value).stack()

    out = ascend(tf.constant(starts, tf.float32))
    # float32 rounding can put a clipped value a hair outside a float64 bound
    finals = np.clip(out[0].numpy().astype(np.float64), low, high)
    history = out[1].numpy().astype(np.float64)
    value, grad = value_and_gradient(tf.constant(finals, tf.float32))
    value, grad = value.numpy(), grad.numpy()
    if value.shape != (n_starts,):
        raise ValueError(f"f must return one value per row, shape (batch,) or (batch, 1); got {value.shape}")
    if not np.all(np.isfinite(history)):
        raise FloatingPointError("f became NaN or infinite during the ascent; lower learning_rate or add bounds")
    projected = np.linalg.norm(np.clip(finals + grad, low, high) - finals, axis=1)
    best = int(np.argmax(value))
    converged = bool(projected[best] < tol)
    if converged:
        at_bound = np.isclose(finals[best], low, rtol=1e-6, atol=1e-6) | np.isclose(finals[best], high, rtol=1e-6, atol=1e-6)
        where = "at a bound" if np.any(at_bound) else "inside the box" if bounds is not None else "at a stationary point"
        message = f"converged {where}: projected gradient norm {projected[best]:.2e} < tol={tol:g}"
    else:
        moved = float(np.linalg.norm(finals[best] - starts[best]))
        message = (
            f"not converged after {steps} steps: gradient norm {projected[best]:.3g} is not small and y "
            f"moved {moved:.3g} from its start; if f keeps rising as y grows it has no maximum "
            "(add bounds), otherwise take more steps"
        )
    return InputMaximum(
        y=finals[best],
        value=float(value[best]),
        converged=converged,
        gradient_norm=float(projected[best]),
        history=history,
        starts=starts,
        finals=finals,
        message=message,
    )


@tf.custom_gradient
def _round_ste(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
    def identity_gradient(upstream: tf.Tensor) -> tf.Tensor:
        return upstream

    return tf.round(x), identity_gradient


def round_ste(x: Any) -> tf.Tensor:
    r"""Round in the forward pass, pass the gradient through unchanged in the backward pass.

    The straight-through estimator: forward :math:`\operatorname{round}(x)`, whose
    true derivative is 0 almost everywhere; backward as if it were the identity,
    :math:`\partial L/\partial x := \partial L/\partial\, \operatorname{round}(x)`.
    Built with ``tf.custom_gradient``. Rounds half to even, as ``tf.round`` does.

    References
    ----------
    Bengio, Léonard and Courville (2013), "Estimating or propagating gradients
    through stochastic neurons for conditional computation", arXiv:1308.3432.
    """
    if isinstance(x, (tf.Tensor, tf.Variable)):
        if not x.dtype.is_floating:
            raise TypeError(f"x must be a floating tensor; got dtype {x.dtype.name}")
        return _round_ste(x)
    return _round_ste(tf.convert_to_tensor(as_array(x, "x")))


def soft_step(x: Any, max_slope: float) -> tf.Tensor:
    r"""A smooth 0/1 step whose slope never exceeds ``max_slope``.

    .. math:: s(x) = \sigma(4 k x), \qquad s'(x) = 4k\,\sigma(4kx)(1 - \sigma(4kx)) \le k,

    with equality at :math:`x = 0` (:math:`\sigma' \le 1/4`). As :math:`k \to \infty`
    it tends to the Heaviside step; a finite :math:`k` keeps gradients bounded and
    nonzero near the threshold, so a gate built from it can be trained.

    Parameters
    ----------
    x : array_like or tensor
    max_slope : float
        :math:`k > 0`.
    """
    max_slope = check_real(max_slope, "max_slope", low=0.0, low_open=True)
    if not isinstance(x, (tf.Tensor, tf.Variable)):
        x = tf.convert_to_tensor(as_array(x, "x"))
    return tf.sigmoid(4.0 * max_slope * x)
