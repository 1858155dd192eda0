"""Optimiser updates: RMSProp in four libraries' conventions, SGD, and a small NumPy network
for the batch-size / learning-rate experiment (Chapter 3).

Pure NumPy (no TensorFlow, no JAX): the optimisers take gradients as arrays and return new
parameters, and record the weight change of the last step in ``last_deltas``. The tests and
notebooks check them against ``keras.optimizers.RMSprop``, ``keras.optimizers.SGD``,
``tf.compat.v1.train.RMSPropOptimizer`` and ``optax.rmsprop``; the Keras callback that
records deltas during ``fit`` lives in :mod:`mlnotes.optimizer_callbacks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlnotes._checks import as_array, check_bool, check_choice, check_int, check_real, check_seed

__all__ = [
    "CONVENTIONS",
    "LIBRARY_DEFAULTS",
    "RMSProp",
    "SGD",
    "TrainingRun",
    "gradient_noise_scale",
    "mlp_init",
    "mlp_loss_and_grads",
    "mlp_per_example_gradients",
    "train_minibatch",
]

CONVENTIONS = ("keras", "tf1", "torch", "optax")

# Each library's own defaults (learning rate, rho, epsilon), for porting settings; None: no
# default (the argument is required). RMSProp itself defaults to Keras' values whatever the
# convention. Checked against the installed libraries in tests/test_optimizers.py, PyTorch's
# from its documentation.
LIBRARY_DEFAULTS = {
    "keras": {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7},
    "tf1": {"learning_rate": None, "rho": 0.9, "epsilon": 1e-10},
    "torch": {"learning_rate": 0.01, "rho": 0.99, "epsilon": 1e-8},
    "optax": {"learning_rate": None, "rho": 0.9, "epsilon": 1e-8},
}


def _as_param_list(values: Any, name: str) -> list[np.ndarray]:
    """A list of finite float64 arrays (copies, so callers' arrays are never modified)."""
    if isinstance(values, np.ndarray) or not isinstance(values, Sequence) or isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a list of arrays; got {type(values).__name__}")
    if len(values) == 0:
        raise ValueError(f"{name} must hold at least one array; got an empty {type(values).__name__}")
    return [np.array(as_array(v, f"{name}[{i}]"), dtype=np.float64) for i, v in enumerate(values)]


def _check_grads(params: list[np.ndarray], grads: list[np.ndarray]) -> None:
    if len(grads) != len(params):
        raise ValueError(f"grads must have one array per parameter; got {len(grads)} for "
                         f"{len(params)} params")
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if g.shape != p.shape:
            raise ValueError(f"grads[{i}] must have the shape of params[{i}], {p.shape}; got {g.shape}")


class _Optimizer:
    """State bookkeeping shared by the optimisers: shapes fixed at the first step."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate
        self.iterations = 0
        self.last_deltas: list[np.ndarray] = []
        self._shapes: list[tuple[int, ...]] | None = None

    @property
    def learning_rate(self) -> float:
        """The step size; it may be changed between steps (a schedule)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        # 0 would silently freeze training and a negative rate climbs the loss: refuse both.
        self._learning_rate = check_real(value, "learning_rate", low=0.0, low_open=True)

    def _prepare(self, params: Any, grads: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        p = _as_param_list(params, "params")
        g = _as_param_list(grads, "grads")
        _check_grads(p, g)
        shapes = [a.shape for a in p]
        if self._shapes is None:
            self._shapes = shapes
            self._init_state(p)
        elif shapes != self._shapes:
            raise ValueError(f"params must keep the shapes of the first step, {self._shapes}; got {shapes}")
        return p, g

    def _init_state(self, params: list[np.ndarray]) -> None:
        raise NotImplementedError

    @staticmethod
    def _check_finite_step(arrays: list[np.ndarray], what: str) -> list[np.ndarray]:
        """Refuse a step whose arithmetic overflowed float64 (the caller leaves its state unchanged)."""
        for i, a in enumerate(arrays):
            if not np.all(np.isfinite(a)):
                raise ValueError(f"grads[{i}] is too large for this step: {what} overflows float64; "
                                 "scale the loss down or lower learning_rate")
        return arrays

    def _finish(self, params: list[np.ndarray], deltas: list[np.ndarray]) -> list[np.ndarray]:
        self.iterations += 1
        self.last_deltas = deltas
        return [p + d for p, d in zip(params, deltas, strict=True)]


class RMSProp(_Optimizer):
    r"""RMSProp with the exact update of Keras 3, the TF1 optimiser, PyTorch or optax.

    For each parameter array :math:`\theta` with gradient :math:`g_t` (all operations
    elementwise), every convention keeps a running mean of squares and, if ``centered``,
    a running mean of gradients,

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \qquad
        \bar g_t = \rho \bar g_{t-1} + (1-\rho) g_t, \qquad
        s_t = v_t - \bar g_t^2 \ \text{(centred)} \ \text{or}\ v_t,

    and they differ in the rest (:math:`\eta` the learning rate, :math:`\mu` the momentum):

    ``"keras"`` (``keras.optimizers.RMSprop``, Keras 3)
        :math:`v_0 = 0`, epsilon inside the root, the momentum buffer holds steps
        (learning rate included): :math:`m_t = \mu m_{t-1} + \eta g_t/\sqrt{s_t + \epsilon}`,
        :math:`\theta_t = \theta_{t-1} - m_t` (without momentum, :math:`m_t` is the step).
    ``"tf1"`` (``tf.compat.v1.train.RMSPropOptimizer``, kernel ``ApplyRMSProp``)
        The same as "keras" except :math:`v_0 = 1`: the mean square starts at ones.
        (TF1's default epsilon is 1e-10; pass it explicitly.)
    ``"torch"`` (``torch.optim.RMSprop``, ``alpha`` = :math:`\rho`)
        :math:`v_0 = 0`, epsilon outside the root, the buffer holds normalised gradients
        (learning rate applied afterwards): :math:`b_t = \mu b_{t-1} + g_t/(\sqrt{s_t} + \epsilon)`,
        :math:`\theta_t = \theta_{t-1} - \eta b_t`.
    ``"optax"`` (``optax.rmsprop``, ``decay`` = :math:`\rho`, ``eps`` = :math:`\epsilon`)
        The same update as "keras" with optax's defaults ``initial_scale=0``,
        ``eps_in_sqrt=True``, ``bias_correction=False``: epsilon inside the root, and
        ``optax.trace`` after the learning-rate scaling, so the momentum buffer holds steps.
        optax keeps the learning rate in the parameters' dtype (float64 here) where Keras
        rounds it to float32; its default epsilon is 1e-8 and it has no default learning rate
        (see ``LIBRARY_DEFAULTS``).

    The legacy ``tf.keras`` optimiser (Keras 2 ``OptimizerV2`` RMSprop) is none of these:
    without momentum it divided by :math:`\sqrt{s_t} + \epsilon` (epsilon outside, as
    "torch"), with momentum it called the ``ApplyRMSProp`` kernel (epsilon inside, as
    "keras"), and its mean square started at zero.

    The two momentum forms agree while :math:`\eta` is constant; they differ after a
    learning-rate change (Keras/TF1 keep the old rate in the buffer).

    Parameters
    ----------
    learning_rate : float, default 0.001
        :math:`\eta > 0`; may be reassigned between steps.
    rho : float, default 0.9
        Decay of the running means, in [0, 1).
    momentum : float, default 0.0
        :math:`\mu`, in [0, 1).
    epsilon : float, default 1e-7
        Positive; where it enters depends on ``convention``.
    centered : bool, default False
        Divide by the running variance instead of the running second moment
        (Graves 2013, eq. 38-41).
    convention : {"keras", "tf1", "torch", "optax"}

    Attributes
    ----------
    last_deltas : list of ndarray
        ``new_params - params`` of the last :meth:`step`, one array per parameter.
    mean_square, mean_grad, momentum_buffer : list of ndarray
        The state :math:`v`, :math:`\bar g` (zeros unless centred) and :math:`m` or :math:`b`.
    iterations : int
        Steps taken.

    References
    ----------
    Tieleman and Hinton (2012), Neural Networks for Machine Learning, lecture 6.5;
    Graves (2013), "Generating sequences with recurrent neural networks", arXiv:1308.0850;
    Keras 3 source ``keras/src/optimizers/rmsprop.py``; TensorFlow raw op ``ApplyRMSProp``
    and ``ApplyCenteredRMSProp``; PyTorch documentation of ``torch.optim.RMSprop``; optax
    source ``optax/_src/alias.py`` (``rmsprop``) and ``transform.py`` (``scale_by_rms``,
    ``scale_by_stddev``); Keras 2 source ``keras/optimizers/optimizer_v2/rmsprop.py``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        convention: str = "keras",
    ) -> None:
        super().__init__(learning_rate)
        self.rho = check_real(rho, "rho", low=0.0, high=1.0, high_open=True)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.epsilon = check_real(epsilon, "epsilon", low=0.0, low_open=True)
        self.centered = check_bool(centered, "centered")
        self.convention = check_choice(convention, "convention", CONVENTIONS)
        self.mean_square: list[np.ndarray] = []
        self.mean_grad: list[np.ndarray] = []
        self.momentum_buffer: list[np.ndarray] = []

    def _init_state(self, params: list[np.ndarray]) -> None:
        start = 1.0 if self.convention == "tf1" else 0.0
        self.mean_square = [np.full_like(p, start) for p in params]
        self.mean_grad = [np.zeros_like(p) for p in params]
        self.momentum_buffer = [np.zeros_like(p) for p in params]

    def _scale(self, i: int, square: np.ndarray | None = None, mean: np.ndarray | None = None) -> np.ndarray:
        """The denominator that divides the gradient of parameter ``i`` (current state by default)."""
        s = self.mean_square[i] if square is None else square
        if self.centered:
            m = self.mean_grad[i] if mean is None else mean
            # v - mean(g)^2 >= 0 in exact arithmetic; rounding may push it a hair below.
            s = np.maximum(s - m**2, 0.0)
        if self.convention == "torch":
            return np.sqrt(s) + self.epsilon
        return np.sqrt(s + self.epsilon)

    def step(self, params: Sequence[Any], grads: Sequence[Any]) -> list[np.ndarray]:
        """One update: returns the new parameters (the inputs are not modified).

        Parameters
        ----------
        params, grads : list of array_like
            The same number of arrays, ``grads[i]`` of ``params[i]``'s shape, finite.

        Returns
        -------
        list of ndarray
            ``params[i] + last_deltas[i]``, float64.
        """
        p, g = self._prepare(params, grads)
        rho, mu, lr = self.rho, self.momentum, self.learning_rate
        # New state computed aside and committed only if every number is finite: a gradient
        # whose square overflows would otherwise give a silent zero step (g / sqrt(inf)).
        with np.errstate(over="ignore", invalid="ignore"):
            square = [rho * v + (1.0 - rho) * gi**2 for v, gi in zip(self.mean_square, g, strict=True)]
            self._check_finite_step(square, "its square")
            mean = self.mean_grad
            if self.centered:
                mean = [rho * m + (1.0 - rho) * gi for m, gi in zip(mean, g, strict=True)]
            buffers, deltas = [], []
            for i, gi in enumerate(g):
                normalised = gi / self._scale(i, square[i], mean[i])
                if self.convention == "torch":
                    buffers.append(mu * self.momentum_buffer[i] + normalised)
                    deltas.append(-lr * buffers[-1])
                else:
                    buffers.append(mu * self.momentum_buffer[i] + lr * normalised)
                    deltas.append(-buffers[-1])
            self._check_finite_step([a + d for a, d in zip(p, deltas, strict=True)], "the new parameters")
        self.mean_square, self.mean_grad, self.momentum_buffer = square, list(mean), buffers
        return self._finish(p, deltas)

    def step_sizes(self) -> list[np.ndarray]:
        r"""The per-coordinate factor that multiplied the last gradient, :math:`\eta / \text{denominator}`.

        Without momentum, ``last_deltas[i] == -step_sizes()[i] * grads[i]`` exactly; plain
        SGD would use :math:`\eta` for every coordinate.

        Returns
        -------
        list of ndarray, one per parameter, of its shape
        """
        if self._shapes is None:
            raise ValueError("step_sizes needs at least one step; iterations is 0")
        return [self.learning_rate / self._scale(i) for i in range(len(self._shapes))]


class SGD(_Optimizer):
    r"""Stochastic gradient descent with (heavy-ball) momentum, in Keras' form.

    .. math::
        u_t = \mu u_{t-1} - \eta g_t, \qquad \theta_t = \theta_{t-1} + u_t,

    with :math:`u_0 = 0`; without momentum, :math:`\theta_t = \theta_{t-1} - \eta g_t`.

    Parameters
    ----------
    learning_rate : float
        :math:`\eta > 0`; may be reassigned between steps.
    momentum : float, default 0.0
        :math:`\mu`, in [0, 1).

    Attributes
    ----------
    last_deltas : list of ndarray
        ``new_params - params`` of the last step.
    velocity : list of ndarray
        :math:`u`.

    References
    ----------
    Keras 3 ``keras.optimizers.SGD`` (``nesterov=False``); Goodfellow, Bengio and
    Courville (2016), *Deep Learning*, algorithm 8.2.
    """

    def __init__(self, learning_rate: float, momentum: float = 0.0) -> None:
        super().__init__(learning_rate)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.velocity: list[np.ndarray] = []

    def _init_state(self, params: list[np.ndarray]) -> None:
        self.velocity = [np.zeros_like(p) for p in params]

    def step(self, params: Sequence[Any], grads: Sequence[Any]) -> list[np.ndarray]:
        """One update; returns the new parameters (float64, the inputs unmodified)."""
        p, g = self._prepare(params, grads)
        with np.errstate(over="ignore", invalid="ignore"):
            mu, lr = self.momentum, self.learning_rate
            velocity = [mu * u - lr * gi for u, gi in zip(self.velocity, g, strict=True)]
            self._check_finite_step([a + u for a, u in zip(p, velocity, strict=True)], "the new parameters")
        self.velocity = velocity
        return self._finish(p, list(velocity))


# --------------------------------------------------------------------------- a small network
def mlp_init(n_inputs: int, n_hidden: int, n_classes: int, seed: int = 0) -> list[np.ndarray]:
    r"""Glorot-uniform weights of a one-hidden-layer tanh classifier.

    Returns
    -------
    list of ndarray
        ``[W1 (n_inputs, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_classes), b2 (n_classes,)]``,
        float64, biases zero; :math:`W \sim U(-a, a)`, :math:`a = \sqrt{6/(n_{in}+n_{out})}`.

    References
    ----------
    Glorot and Bengio (2010), "Understanding the difficulty of training deep feedforward
    neural networks", AISTATS (Keras' default ``GlorotUniform``).
    """
    n_inputs = check_int(n_inputs, "n_inputs", low=1)
    n_hidden = check_int(n_hidden, "n_hidden", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    rng = np.random.default_rng(check_seed(seed))

    def glorot(n_in: int, n_out: int) -> np.ndarray:
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, (n_in, n_out))

    return [glorot(n_inputs, n_hidden), np.zeros(n_hidden), glorot(n_hidden, n_classes), np.zeros(n_classes)]


def _check_mlp(params: Any, x: Any, y: Any) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    p = _as_param_list(params, "params")
    if len(p) != 4:
        raise ValueError(f"params must be [W1, b1, W2, b2]; got {len(p)} arrays")
    w1, b1, w2, b2 = p
    if w1.ndim != 2 or w2.ndim != 2 or b1.shape != (w1.shape[1],) or w2.shape[0] != w1.shape[1] \
            or b2.shape != (w2.shape[1],):
        raise ValueError("params must be [W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)]; got shapes "
                         f"{[a.shape for a in p]}")
    xa = as_array(x, "x", ndim=2, min_size=1)
    if xa.shape[1] != w1.shape[0]:
        raise ValueError(f"x must have shape (n, {w1.shape[0]}) to match W1; got {xa.shape}")
    ya = np.asarray(y)
    if ya.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels; got dtype {ya.dtype}")
    if ya.shape != (xa.shape[0],):
        raise ValueError(f"y must have shape ({xa.shape[0]},), one label per row of x; got {ya.shape}")
    k = w2.shape[1]
    if ya.size and (ya.min() < 0 or ya.max() >= k):
        raise ValueError(f"y must hold labels in [0, {k - 1}]; got range [{ya.min()}, {ya.max()}]")
    return p, xa, ya


def _forward(p: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hidden activations, softmax probabilities and per-example losses, stable for large logits."""
    w1, b1, w2, b2 = p
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - z.max(axis=1, keepdims=True)  # log-softmax without overflow
    log_norm = np.log(np.exp(z).sum(axis=1))
    losses = log_norm - z[np.arange(len(y)), y]
    probs = np.exp(z - log_norm[:, None])
    return h, probs, losses


def mlp_loss_and_grads(
    params: Sequence[Any], x: Any, y: Any, *, reduction: str = "mean"
) -> tuple[float, list[np.ndarray]]:
    r"""Mean (or summed) softmax cross-entropy of a one-hidden-layer tanh network, and its gradients.

    .. math::
        h = \tanh(x W_1 + b_1), \quad z = h W_2 + b_2, \quad
        L = \frac1n \sum_i \bigl(\log\textstyle\sum_c e^{z_{ic}} - z_{i y_i}\bigr)
        \quad (\text{or } nL \text{ for } \texttt{reduction="sum"}),

    with gradients by back-propagation: :math:`\delta_2 = (\mathrm{softmax}(z) - Y)/n`
    (without the :math:`1/n` for the sum),
    :math:`\partial L/\partial W_2 = h^\top \delta_2`,
    :math:`\delta_1 = (\delta_2 W_2^\top) \odot (1 - h^2)`, :math:`\partial L/\partial W_1 = x^\top \delta_1`.

    Parameters
    ----------
    params : [W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)]
    x : array_like, shape (n, d)
    y : array_like of int, shape (n,)
        Class labels in ``[0, k)``.
    reduction : {"mean", "sum"}, default "mean"
        Average the per-example losses (Keras' and PyTorch's default) or add them up
        (``reduction="sum"`` in PyTorch, ``Reduction.SUM`` in Keras).

    Returns
    -------
    loss : float
    grads : list of ndarray, shaped like ``params``

    References
    ----------
    The loss is Keras' ``SparseCategoricalCrossentropy(from_logits=True)``;
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, section 6.5.
    """
    p, xa, ya = _check_mlp(params, x, y)
    reduction = check_choice(reduction, "reduction", ("mean", "sum"))
    h, probs, losses = _forward(p, xa, ya)
    n = len(ya)
    d2 = probs
    d2[np.arange(n), ya] -= 1.0
    if reduction == "mean":
        d2 /= n
    d1 = (d2 @ p[2].T) * (1.0 - h**2)
    grads = [xa.T @ d1, d1.sum(axis=0), h.T @ d2, d2.sum(axis=0)]
    return float(losses.mean() if reduction == "mean" else losses.sum()), grads


def mlp_per_example_gradients(params: Sequence[Any], x: Any, y: Any) -> np.ndarray:
    """The gradient of each example's loss, flattened: row ``i`` is ``grad L_i`` of all parameters.

    Returns
    -------
    ndarray, shape (n, n_params)
        Parameters in the order ``W1, b1, W2, b2``, each flattened C-style; the mean of
        the rows is the gradient of the mean loss (:func:`mlp_loss_and_grads`).
    """
    p, xa, ya = _check_mlp(params, x, y)
    h, probs, _ = _forward(p, xa, ya)
    n = len(ya)
    d2 = probs
    d2[np.arange(n), ya] -= 1.0
    d1 = (d2 @ p[2].T) * (1.0 - h**2)
    parts = [np.einsum("ni,nj->nij", xa, d1).reshape(n, -1), d1,
             np.einsum("ni,nj->nij", h, d2).reshape(n, -1), d2]
    return np.concatenate(parts, axis=1)


def gradient_noise_scale(per_example_grads: Any) -> float:
    r"""The simple gradient noise scale :math:`B_\text{simple} = \operatorname{tr}\Sigma / |G|^2`.

    :math:`G` is the mean of the rows (the full-batch gradient) and :math:`\Sigma` their
    covariance (divisor :math:`n-1`). A mini-batch of :math:`B` examples drawn at random
    has gradient noise of total variance :math:`\operatorname{tr}\Sigma / B`, so
    :math:`B_\text{simple}` is the batch size at which noise and signal have equal size.

    Parameters
    ----------
    per_example_grads : array_like, shape (n, p), n >= 2

    Returns
    -------
    float
        ``inf`` if the mean gradient is exactly zero.

    References
    ----------
    McCandlish et al. (2018), "An empirical model of large-batch training", arXiv:1812.06162.
    """
    g = as_array(per_example_grads, "per_example_grads", ndim=2)
    if g.shape[0] < 2 or g.shape[1] < 1:
        raise ValueError(f"per_example_grads must have at least 2 rows and 1 column; got shape {g.shape}")
    mean = g.mean(axis=0)
    trace = float(np.sum(np.var(g, axis=0, ddof=1)))
    signal = float(mean @ mean)
    return np.inf if signal == 0.0 else trace / signal


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`train_minibatch` returns.

    Attributes
    ----------
    params : list of ndarray
        The final parameters (the last finite ones if training diverged).
    history : dict[str, ndarray]
        The book's training-history convention, metric name -> values at the ``m``
        evaluation points: ``"samples_seen"`` (int, examples processed before each
        evaluation, 0 first) and ``"loss"`` (mean loss on the whole data set there).
    diverged : bool
        True if the loss became non-finite or exceeded ``max_loss`` (training stopped there;
        ``history["loss"]`` ends with that value).
    """

    params: list[np.ndarray]
    history: dict[str, np.ndarray]
    diverged: bool


def train_minibatch(
    params: Sequence[Any],
    x: Any,
    y: Any,
    optimizer: SGD | RMSProp,
    *,
    batch_size: int,
    epochs: int,
    eval_every: int | None = None,
    max_loss: float = 1e3,
    seed: int = 0,
    reduction: str = "mean",
) -> TrainingRun:
    r"""Train :func:`mlp_loss_and_grads`'s network with mini-batches, recording the full loss.

    Each epoch visits the examples in a fresh random order (``np.random.default_rng(seed)``),
    in ``ceil(n / batch_size)`` batches, the last one possibly smaller; each batch's gradient
    is of the batch's *mean* loss, as in Keras' ``fit`` (or of its sum, ``reduction="sum"``).
    The loss recorded in the history is always the mean over the whole data set.

    Parameters
    ----------
    params : [W1, b1, W2, b2]
        Starting point (not modified).
    x, y : as in :func:`mlp_loss_and_grads`
    optimizer : SGD or RMSProp
        A fresh optimiser (its state is used and updated).
    batch_size, epochs : int
    eval_every : int, optional
        Evaluate the full loss every this many examples (rounded to whole batches), and at
        the end; default once per epoch.
    max_loss : float, default 1e3
        Stop and report divergence above this loss.
    seed : int, default 0
    reduction : {"mean", "sum"}, default "mean"
        The batch loss whose gradient is stepped along (see :func:`mlp_loss_and_grads`).

    Returns
    -------
    TrainingRun
        ``params``, ``history`` (``"samples_seen"`` and ``"loss"``) and ``diverged``.
    """
    p, xa, ya = _check_mlp(params, x, y)
    if not isinstance(optimizer, (SGD, RMSProp)):
        raise TypeError(f"optimizer must be an SGD or RMSProp instance; got {type(optimizer).__name__}")
    n = len(ya)
    batch_size = check_int(batch_size, "batch_size", low=1, high=n)
    epochs = check_int(epochs, "epochs", low=1)
    eval_every = n if eval_every is None else check_int(eval_every, "eval_every", low=1)
    max_loss = check_real(max_loss, "max_loss", low=0.0, low_open=True)
    reduction = check_choice(reduction, "reduction", ("mean", "sum"))
    rng = np.random.default_rng(check_seed(seed))

    def full_loss(q: list[np.ndarray]) -> float:
        return float(_forward(q, xa, ya)[2].mean())

    seen, next_eval = [0], eval_every
    losses = [full_loss(p)]
    count, diverged = 0, False
    # Overflow is the divergence we detect below, not an error.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                batch_loss, grads = mlp_loss_and_grads(p, xa[idx], ya[idx], reduction=reduction)
                finite = np.isfinite(batch_loss) and all(np.all(np.isfinite(g)) for g in grads)
                if finite:
                    try:
                        new = optimizer.step(p, grads)
                    except ValueError:  # inputs are valid here: the step overflowed float64
                        finite = False
                count += len(idx)
                if not finite:
                    seen.append(count)
                    losses.append(np.inf)
                    diverged = True
                    break
                p = new
                if count >= next_eval:
                    next_eval += eval_every
                    seen.append(count)
                    losses.append(full_loss(p))
                    if not np.isfinite(losses[-1]) or losses[-1] > max_loss:
                        diverged = True
                        break
            if diverged:
                break
    if not diverged and seen[-1] != count:  # the end of training, between two evaluation points
        seen.append(count)
        losses.append(full_loss(p))
    history = {"samples_seen": np.array(seen), "loss": np.array(losses)}
    return TrainingRun(params=p, history=history, diverged=diverged)
