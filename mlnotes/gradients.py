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

from mlnotes._checks import (
    as_array,
    check_callable,
    check_choice,
    check_finite_output,
    check_int,
    check_real,
    check_seed,
)
from mlnotes.networks import make_mlp
from mlnotes.tf_env import keras, tf

__all__ = [
    "InputMaximum",
    "input_derivatives",
    "input_gradient_penalty_loss",
    "jacobian",
    "make_mlp",
    "maximize_input",
    "BackwardProbe",
    "clipped_soft_sign",
    "round_ste",
    "sobolev_loss",
    "soft_step",
    "train",
]

TensorFn = Callable[[Any], Any]


def _as_tensor(x: Any, name: str, *, ndim: int | Sequence[int], min_size: int = 1) -> tf.Tensor:
    """Validate ``x`` and convert it, keeping float32 input float32 and using float64 otherwise.

    A symbolic tensor (inside ``tf.function``) has no values to check: only its rank
    and dtype are checked; the values were checked where the graph captured them.
    """
    if isinstance(x, (tf.Tensor, tf.Variable)) and tf.is_symbolic_tensor(x):
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.shape.rank not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimension(s); got shape {tuple(x.shape)}")
        if not x.dtype.is_floating:
            raise TypeError(f"{name} must be a floating tensor; got dtype {x.dtype.name}")
        return x
    dtype = np.float32 if getattr(x, "dtype", None) in (np.float32, tf.float32) else np.float64
    if isinstance(x, (tf.Tensor, tf.Variable)):
        x = x.numpy()
    return tf.convert_to_tensor(as_array(x, name, ndim=ndim, dtype=dtype, min_size=min_size))


def _check_shape_as(t: tf.Tensor, name: str, want: tf.TensorShape, what: str) -> None:
    """Refuse a tensor whose static shape differs from ``want`` (no silent broadcasting)."""
    if not t.shape.is_compatible_with(want):
        raise ValueError(f"{name} must have shape {tuple(want)}, {what}; got {tuple(t.shape)}")


def _as_output(y: Any, name: str) -> tf.Tensor:
    """What a user's function returned, as a floating tensor the tape can see."""
    if not isinstance(y, (tf.Tensor, tf.Variable)):
        raise TypeError(f"{name} must return a TensorFlow tensor computed with TensorFlow operations "
                        f"(the tape cannot see NumPy code); got {type(y).__name__}")
    if not y.dtype.is_floating:
        raise TypeError(f"{name} must return floating values; got dtype {y.dtype.name}")
    return y


def _call_user(f: TensorFn, x: tf.Tensor, name: str) -> tf.Tensor:
    try:
        y = f(x)
    except NotImplementedError as exc:  # NumPy called on a symbolic tensor inside tf.function
        if "symbolic" not in str(exc):
            raise
        raise TypeError(f"{name} must be built from TensorFlow operations; NumPy cannot run on the "
                        f"symbolic tensors of a compiled Jacobian ({exc})") from None
    return _as_output(y, name)


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
    still_open = order
    try:
        y = _as_output(f(xt), "f")
        if y.shape.num_elements() != xt.shape.num_elements():
            raise ValueError(
                f"f must return one value per input element; f(x) has shape {tuple(y.shape)} "
                f"for x of shape {tuple(xt.shape)}"
            )
        values = [tf.reshape(y, xt.shape)]
        for i in reversed(range(order)):  # innermost first, while the outer tapes still record
            tapes[i].__exit__(None, None, None)
            still_open = i
            zero = tf.UnconnectedGradients.ZERO  # a derivative that ignores x is 0, not None
            values.append(tapes[i].gradient(values[-1], xt, unconnected_gradients=zero))
    finally:
        for tape in reversed(tapes[:still_open]):
            tape.__exit__(None, None, None)
    out = [v.numpy() for v in values]
    for k, v in enumerate(out):
        name = "f(x)" if k == 0 else f"derivative of order {k}"
        check_finite_output(v, name, where="some x (overflow, or a point where f is not differentiable)")
    return out


_compiled_jacobians: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _compiled_jacobian(f: TensorFn, method: str) -> Callable[[tf.Tensor], tuple[tf.Tensor, tf.Tensor]]:
    """One ``tf.function`` per (f, method), cached so that repeated calls do not retrace.

    It returns ``(f(x), J)``: the values come from the same forward pass as the
    Jacobian, so checking them costs no second evaluation of ``f``.
    """
    try:
        per_f = _compiled_jacobians.setdefault(f, {})
    except TypeError:  # f cannot be weakly referenced: compile without caching
        per_f = {}
    if method not in per_f:

        def jac(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = _call_user(f, x, "f")
            _check_jacobian_output(y, x, method)  # static shapes: runs once, while tracing
            zero = tf.UnconnectedGradients.ZERO  # an output that ignores x has a zero Jacobian
            if method == "batch":
                return y, tape.batch_jacobian(y, x, unconnected_gradients=zero)
            return y, tape.jacobian(y, x, unconnected_gradients=zero)

        # autograph off: an argument error raised while tracing reaches the caller unwrapped
        per_f[method] = tf.function(jac, reduce_retracing=True, autograph=False)
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
        by ``pfor`` into one graph, traced once per ``f`` and input signature and
        cached (an eager ``tape.jacobian`` would trace a new graph on every call).
        ``f(x)`` comes from the same compiled call, so there is no extra forward pass.
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
        Shape (m, n), or (b, m, n) for "batch". Outputs that do not depend on ``x``
        give zero rows (``tape.jacobian`` alone would return None).

    Raises
    ------
    TypeError
        If ``f`` does not return a floating TensorFlow tensor (a NumPy function is
        invisible to the tape).
    ValueError
        If the output has the wrong rank or batch size, or ``f(x)`` or the Jacobian
        is not finite.

    References
    ----------
    TensorFlow guide "Advanced automatic differentiation", sections "Jacobians" and
    "Batch Jacobian"; Baydin et al. (2018), "Automatic differentiation in machine
    learning: a survey", JMLR 18(153).
    """
    f = check_callable(f, "f")
    check_choice(method, "method", ("vectorized", "loop", "batch"))
    xt = _as_tensor(x, "x", ndim=2 if method == "batch" else 1)
    if method == "loop":
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(xt)
            y = _call_user(f, xt, "f")
            _check_jacobian_output(y, xt, method)
            rows = [y[i] for i in range(y.shape[0])]  # slicing is recorded by the tape
        zero = tf.UnconnectedGradients.ZERO
        out = tf.stack([tape.gradient(r, xt, unconnected_gradients=zero) for r in rows])
        del tape
    else:
        y, out = _compiled_jacobian(f, method)(xt)
    check_finite_output(y.numpy(), "f(x)", where="x")
    return check_finite_output(out.numpy(), "the Jacobian", where="x (f is not differentiable there)")


def _check_jacobian_output(y: tf.Tensor, x: tf.Tensor, method: str) -> None:
    want = 2 if method == "batch" else 1
    shape = "(b, m)" if want == 2 else "(m,)"
    if y.shape.rank != want:
        raise ValueError(f"f must return a tensor of shape {shape} for method={method!r}; "
                         f"got shape {tuple(y.shape)}")
    if y.shape[-1] == 0:
        raise ValueError(f"f must return at least one output (m >= 1); got shape {tuple(y.shape)}")
    if method == "batch" and y.shape[0] is not None and x.shape[0] is not None and y.shape[0] != x.shape[0]:
        raise ValueError(f"f must return one row per row of x for method='batch': shape ({x.shape[0]}, m); "
                         f"got {tuple(y.shape)}")


def train(
    model: keras.Model | Sequence[tf.Variable],
    loss: Callable[[], tf.Tensor],
    *,
    steps: int,
    learning_rate: float = 1e-2,
) -> dict[str, np.ndarray]:
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
        ``() -> scalar floating tensor``. It must depend on at least one of the
        variables; variables it does not reach (a gate with no gradient) get zero
        updates and keep their values.
    steps : int
        Number of Adam steps.
    learning_rate : float, default 1e-2

    Returns
    -------
    dict
        The history, ``{"loss": ndarray of shape (steps,)}``: the loss before each step.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite.

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
        raise TypeError(f"model must be a Keras model or a sequence of tf.Variable; "
                        f"got {type(model).__name__}")
    if not variables:
        raise ValueError("model must have trainable variables; got none")
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function(autograph=False)  # errors in loss() reach the caller unwrapped
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            value = _as_output(loss(), "loss")
        if value.shape.rank != 0:
            raise ValueError(f"loss must return a scalar; got shape {tuple(value.shape)}")
        grads = tape.gradient(value, variables)
        if all(g is None for g in grads):
            raise ValueError("loss must depend on the model's trainable variables; it reaches none of them")
        # A variable the loss does not reach (a gate with no gradient) gets a zero
        # update instead of an error: the notebooks show that it then never moves.
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables, strict=True)]
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return value

    history = np.empty(steps)
    for i in range(steps):
        history[i] = step().numpy()
    if not np.all(np.isfinite(history)):
        raise FloatingPointError("training diverged: the loss became NaN or infinite; lower learning_rate")
    return {"loss": history}


def sobolev_loss(
    model: TensorFn,
    x: Any,
    y: Any,
    dydx: Any,
    derivative_weight: float = 1.0,
) -> tf.Tensor:
    r"""Squared error on values plus squared error on input derivatives (Sobolev training).

    .. math::
        L = \frac1n \sum_i (m(x_i) - y_i)^2
            + \lambda \frac1n \sum_i (m'(x_i) - y'_i)^2

    for a network :math:`m: \mathbb R \to \mathbb R` evaluated on a batch ``x`` of
    shape (n, 1). The derivative :math:`m'(x_i)` comes from an inner gradient tape,
    so minimising :math:`L` over the weights differentiates through a gradient.

    Parameters
    ----------
    model : callable
        Maps a tensor of shape (n, 1) to shape (n, 1), row by row.
    x, y, dydx : array_like or tensor, shape (n, 1)
        Inputs, target values and target derivatives. Shapes must match exactly
        (no broadcasting); values must be finite (checked unless they are symbolic
        tensors inside ``tf.function``).
    derivative_weight : float, default 1.0
        :math:`\lambda \ge 0`; 0 gives the plain mean squared error.

    Returns
    -------
    tf.Tensor
        Scalar, in the dtype of ``model(x)``.

    References
    ----------
    Czarnecki et al. (2017), "Sobolev training for neural networks", NeurIPS
    (arXiv:1706.04859).
    """
    model = check_callable(model, "model")
    derivative_weight = check_real(derivative_weight, "derivative_weight", low=0.0)
    x = _as_tensor(x, "x", ndim=2)
    column = tf.TensorShape([x.shape[0], 1])
    _check_shape_as(x, "x", column, "one input per row")
    y = _as_tensor(y, "y", ndim=(1, 2))
    dydx = _as_tensor(dydx, "dydx", ndim=(1, 2))
    _check_shape_as(y, "y", column, "the shape of x")
    _check_shape_as(dydx, "dydx", column, "the shape of x")
    with tf.GradientTape() as tape:
        tape.watch(x)
        pred = _as_output(model(x), "model")
    _check_shape_as(pred, "model(x)", column, "one value per row of x")
    value_error = tf.reduce_mean(tf.square(pred - tf.cast(y, pred.dtype)))
    if derivative_weight == 0.0:
        return value_error
    dpred = tf.cast(tape.gradient(pred, x, unconnected_gradients=tf.UnconnectedGradients.ZERO), pred.dtype)
    return value_error + derivative_weight * tf.reduce_mean(tf.square(dpred - tf.cast(dydx, pred.dtype)))


def input_gradient_penalty_loss(model: TensorFn, x: Any, y: Any, penalty_weight: float = 1.0) -> tf.Tensor:
    r"""Binary cross-entropy plus a penalty on its gradient with respect to the input.

    .. math::
        L(\theta) = \frac1n \sum_i \ell_i
            + \lambda \frac1n \sum_i \bigl\| \nabla_{x_i} \ell_i \bigr\|^2,
        \qquad \ell_i = \operatorname{BCE}\bigl(y_i, \sigma(m(x_i))\bigr),

    for a model returning logits of shape (n, 1). The per-example input gradients
    come from one ``tape.gradient`` of the summed loss (rows are independent);
    minimising :math:`L` over the weights back-propagates through that gradient
    (double back-propagation), which makes the model flatter around the data.

    Parameters
    ----------
    model : callable
        Maps x of shape (n, d) to logits of shape (n, 1), row by row.
    x : array_like or tensor, shape (n, d)
    y : array_like or tensor, shape (n, 1)
        Labels (or target probabilities) in [0, 1]; checked unless symbolic.
    penalty_weight : float, default 1.0
        :math:`\lambda \ge 0`.

    Returns
    -------
    tf.Tensor
        Scalar.

    References
    ----------
    Drucker and LeCun (1992), "Improving generalization performance using double
    backpropagation", IEEE Trans. Neural Networks 3(6).
    """
    model = check_callable(model, "model")
    penalty_weight = check_real(penalty_weight, "penalty_weight", low=0.0)
    x = _as_tensor(x, "x", ndim=2)
    y = _as_tensor(y, "y", ndim=(1, 2))
    column = tf.TensorShape([x.shape[0], 1])
    _check_shape_as(y, "y", column, "one label per row of x")
    if not tf.is_symbolic_tensor(y):
        labels = y.numpy()
        if np.any((labels < 0) | (labels > 1)):
            raise ValueError(f"y must hold labels in [0, 1]; got values from {labels.min():g} "
                             f"to {labels.max():g}")
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = _as_output(model(x), "model")
        _check_shape_as(logits, "model(x)", column, "one logit per row of x")
        per_example = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(y, logits.dtype), logits=logits)
    input_grad = tape.gradient(per_example, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    penalty = tf.cast(tf.reduce_mean(tf.reduce_sum(tf.square(input_grad), axis=-1)), per_example.dtype)
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
    history : dict
        ``{"value": ndarray of shape (steps + 1, n_starts)}``: ``f`` along each
        start's path, before each step and at the end.
    starts, finals : ndarray, shape (n_starts, d_y)
        Where each run began and ended.
    message : str
        What happened, in words.
    """

    y: np.ndarray
    value: float
    converged: bool
    gradient_norm: float
    history: dict[str, np.ndarray]
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
    big = float(np.finfo(np.float32).max)  # the ascent runs in float32
    x = as_array(x_fixed, "x_fixed", ndim=(0, 1)).reshape(-1)
    y_start = as_array(y0, "y0", ndim=(0, 1), min_size=1).reshape(-1)
    for name, arr in (("x_fixed", x), ("y0", y_start)):
        if np.any(np.abs(arr) > big):
            raise ValueError(f"{name} must fit in float32 (|value| <= {big:.3g}); "
                             f"got {np.abs(arr).max():.3g}")
    steps = check_int(steps, "steps", low=1)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    n_starts = check_int(n_starts, "n_starts", low=1)
    seed = check_seed(seed, "seed")
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    d_y = y_start.size
    rng = np.random.default_rng(seed)
    if bounds is None:
        low, high = np.full(d_y, -np.inf), np.full(d_y, np.inf)
    else:
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise TypeError(f"bounds must be a pair (low, high); got {bounds!r}")
        ends = []
        for i, end in enumerate(bounds):
            arr = as_array(end, f"bounds[{i}]", ndim=(0, 1), finite=False)  # +-inf: a one-sided box
            if np.any(np.isnan(arr)):
                raise ValueError(f"bounds[{i}] must not contain NaN; got {arr}")
            if arr.ndim == 1 and arr.shape != (d_y,):
                raise ValueError(f"bounds[{i}] must be a scalar or have shape ({d_y},), the shape of y0; "
                                 f"got {arr.shape}")
            ends.append(np.broadcast_to(arr, (d_y,)).astype(np.float64))
        low, high = ends
        if np.any(low > high):
            raise ValueError(f"bounds must have low <= high; got low={low}, high={high}")
        y_start = np.clip(y_start, low, high)
    # extra starts: uniform in the box where it is finite, y0 + N(0, 1) (clipped) elsewhere
    boxed = np.isfinite(low) & np.isfinite(high)
    if np.all(boxed):
        extra = rng.uniform(low, high, size=(n_starts - 1, d_y))
    else:
        extra = np.clip(y_start + rng.standard_normal((n_starts - 1, d_y)), low, high)
        extra[:, boxed] = rng.uniform(low[boxed], high[boxed], size=(n_starts - 1, int(boxed.sum())))
    starts = np.vstack([y_start[None, :], extra])
    x_rows = tf.constant(np.broadcast_to(x, (n_starts, x.size)), tf.float32)
    low_t = tf.constant(np.clip(low, -big, big), tf.float32)
    high_t = tf.constant(np.clip(high, -big, big), tf.float32)

    def value_and_gradient(y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(y)
            raw = _as_output(f(tf.concat([x_rows, y], axis=1)), "f")
            if raw.shape not in ((n_starts,), (n_starts, 1)):  # static shape: checked while tracing
                raise ValueError(f"f must return one value per row, shape ({n_starts},) or ({n_starts}, 1); "
                                 f"got {tuple(raw.shape)}")
            value = tf.cast(tf.reshape(raw, (-1,)), tf.float32)
        # rows are independent: the gradient of the sum is each row's gradient; a y that f
        # ignores has gradient zero (every y is then a maximiser)
        return value, tape.gradient(value, y, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    def ascent_step(i: tf.Tensor, y: tf.Tensor, values: tf.TensorArray) -> tuple[Any, ...]:
        value, grad = value_and_gradient(y)
        return i + 1, tf.clip_by_value(y + learning_rate * grad, low_t, high_t), values.write(i, value)

    # autograph off: an argument error raised while tracing f reaches the caller unwrapped
    @tf.function(autograph=False)
    def ascend(y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        values = tf.TensorArray(tf.float32, size=steps + 1)
        _, y, values = tf.while_loop(lambda i, *_: i < steps, ascent_step, (tf.constant(0), y, values))
        value, _ = value_and_gradient(y)
        return y, values.write(steps, value).stack()

    out = ascend(tf.constant(starts, tf.float32))
    # float32 rounding can put a clipped value a hair outside a float64 bound
    finals = np.clip(out[0].numpy().astype(np.float64), low, high)
    history = out[1].numpy().astype(np.float64)
    if not np.all(np.isfinite(history)) or not np.all(np.isfinite(finals)):
        raise FloatingPointError("f became NaN or infinite during the ascent; "
                                 "lower learning_rate or add bounds")
    value, grad = value_and_gradient(tf.constant(finals, tf.float32))
    value, grad = value.numpy(), grad.numpy()
    projected = np.linalg.norm(np.clip(finals + grad, low, high) - finals, axis=1)
    best = int(np.argmax(value))
    converged = bool(projected[best] < tol)
    if converged:
        at_bound = np.isclose(finals[best], low, rtol=1e-6, atol=1e-6) | np.isclose(
            finals[best], high, rtol=1e-6, atol=1e-6
        )
        where = ("at a bound" if np.any(at_bound)
                 else "inside the box" if bounds is not None else "at a stationary point")
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
        history={"value": history},
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


def _step_input(x: Any, k: float, k_name: str, *, reciprocal: bool) -> tf.Tensor:
    """``x`` as a floating tensor, refusing a slope parameter its dtype cannot hold.

    ``reciprocal``: the caller uses ``1/k``, which must stay a normal number (a
    denormal may be flushed to zero).
    """
    if isinstance(x, (tf.Tensor, tf.Variable)):
        if not x.dtype.is_floating:
            raise TypeError(f"x must be a floating tensor; got dtype {x.dtype.name}")
    else:
        x = tf.convert_to_tensor(as_array(x, "x"))
    info = np.finfo(x.dtype.as_numpy_dtype)
    limit = float(1 / info.tiny) if reciprocal else float(info.max)
    if k > limit:
        raise ValueError(f"{k_name} must be at most {limit:.3g} for {x.dtype.name} x; got {k:g}")
    return x


def soft_step(x: Any, max_slope: float) -> tf.Tensor:
    r"""A smooth 0/1 step whose slope never exceeds ``max_slope``.

    .. math:: s(x) = \sigma(4 k x), \qquad s'(x) = 4k\,\sigma(4kx)(1 - \sigma(4kx)) \le k,

    with equality at :math:`x = 0` (:math:`\sigma' \le 1/4`). As :math:`k \to \infty`
    it tends to the Heaviside step; a finite :math:`k` keeps gradients bounded and
    nonzero near the threshold, so a gate built from it can be trained. Its tails
    approach 0 and 1 exponentially, :math:`1 - s(x) \approx e^{-4kx}`.

    Parameters
    ----------
    x : array_like or floating tensor
        Any shape; NumPy input must be finite. A tensor keeps its dtype.
    max_slope : float
        :math:`k > 0`, representable in ``x``'s dtype.

    Returns
    -------
    tf.Tensor
        Shape of ``x``, values in [0, 1].

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, section 6.2.2.2
    (the logistic sigmoid and its saturation).
    """
    max_slope = check_real(max_slope, "max_slope", low=0.0, low_open=True)
    x = _step_input(x, max_slope, "max_slope", reciprocal=False)
    # (k x) * 4 rather than (4 k) x: 4k may overflow, and inf * 0 at x = 0 would be NaN
    return tf.sigmoid((max_slope * x) * 4.0)


def clipped_soft_sign(x: Any, k: float) -> tf.Tensor:
    r"""The clipped soft-sign step, a smooth 0/1 step whose maximum slope is ``k / 2``.

    .. math::
        c_k(x) = \operatorname{clip}\Bigl(\tfrac12\bigl(1 + \tfrac{kx}{1 + k|x|}\bigr), 0, 1\Bigr),
        \qquad
        c_k'(x) = \frac{k}{2\,(1 + k|x|)^2} \le c_k'(0) = \frac k2 .

    Its maximum slope is :math:`k/2`, not :math:`k`: to bound the slope by
    :math:`s`, take :math:`k = 2s`. The clip never acts, because
    :math:`|kx/(1 + k|x|)| < 1`; the function is the soft-sign :math:`u/(1 + |u|)`
    of :math:`u = kx`, moved to (0, 1). Unlike :func:`soft_step`, its tails approach
    0 and 1 slowly, :math:`1 - c_k(x) = 1/(2(1 + kx))` for :math:`x > 0`, and its
    slope decays like :math:`1/(2kx^2)` instead of exponentially: far from the
    threshold it still passes a (small) gradient, and it is never close to a hard
    0/1.

    Computed as :math:`x/(1/k + |x|)`, which equals :math:`kx/(1 + k|x|)` but does
    not overflow to inf/inf for a huge :math:`k`.

    Parameters
    ----------
    x : array_like or floating tensor
    k : float
        :math:`k > 0`, with :math:`1/k` a normal number of ``x``'s dtype
        (:math:`k \le 8.5 \cdot 10^{37}` for float32, :math:`4.5 \cdot 10^{307}` for float64).

    Returns
    -------
    tf.Tensor
        Shape of ``x``, values in (0, 1).

    References
    ----------
    Glorot and Bengio (2010), "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS (the soft-sign activation).
    """
    k = check_real(k, "k", low=0.0, low_open=True)
    x = _step_input(x, k, "k", reciprocal=True)
    inverse_k = tf.constant(1.0 / k, dtype=x.dtype)  # nonzero: _step_input bounds k
    return tf.clip_by_value(0.5 * (1.0 + x / (inverse_k + tf.abs(x))), 0.0, 1.0)


class BackwardProbe:
    """An identity function that records each time the tape runs its backward pass.

    Forward, ``probe(x)`` returns ``x`` unchanged. Backward, the gradient passes
    through unchanged, and the probe appends to :attr:`calls` whether that backward
    code ran inside a graph (``tf.inside_function()``: True while a ``tf.function``
    is being traced) or eagerly. Counting these calls shows how a Jacobian is
    computed: a Python loop runs the backward code once per output row, eagerly; a
    compiled ``tape.jacobian`` runs it once, while tracing, and never again; an
    eager ``tape.jacobian`` traces a new graph on every call.

    Attributes
    ----------
    calls : list of bool
        One entry per backward run, True when it ran inside a graph.

    References
    ----------
    TensorFlow API docs, ``tf.custom_gradient`` and ``tf.inside_function``.
    """

    def __init__(self) -> None:
        self.calls: list[bool] = []

        @tf.custom_gradient
        def identity(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
            def backward(upstream: tf.Tensor) -> tf.Tensor:
                self.calls.append(bool(tf.inside_function()))
                return upstream

            return tf.identity(x), backward

        self._identity = identity

    def __call__(self, x: Any) -> tf.Tensor:
        if not isinstance(x, (tf.Tensor, tf.Variable)):
            x = tf.convert_to_tensor(as_array(x, "x"))
        elif not x.dtype.is_floating:
            raise TypeError(f"x must be a floating tensor; got dtype {x.dtype.name}")
        return self._identity(x)

    def reset(self) -> None:
        """Forget the recorded calls."""
        self.calls.clear()
