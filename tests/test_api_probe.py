"""A probe of the whole public API with bad and extreme inputs (issue 17).

Every public function and class of every ``mlnotes`` module (its ``__all__``, or its public
names) needs an entry in ``TABLE``: one valid example call. The probe then substitutes bad
values argument by argument -- None, a string, NaN, inf, an empty array, a wrong number of
dimensions, a float or a bool where an integer belongs, a negative or zero where a
positive number belongs, an unknown option -- and requires a ``TypeError`` or
``ValueError`` whose message names the argument. A call that returns is a *silent* answer
to a wrong input; any other exception, or a message that does not name the argument, is an
*obscure* error. A second test checks that the valid call leaves its inputs unmodified.

A public name missing from ``TABLE`` fails ``test_every_public_name_is_in_the_table``, so a
new function cannot escape the probe. Cases that fail in modules under repair elsewhere are
marked ``xfail(strict=False)`` in ``KNOWN_FAILURES``; remove them as they are fixed.

``python tests/test_api_probe.py`` prints the counts (cases, clear errors, silent answers,
obscure errors) for whatever ``mlnotes`` is importable, e.g. an older checkout via PYTHONPATH.
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import os
import pkgutil
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mlnotes  # noqa: E402

# ---------------------------------------------------------------------------------------------
# The table: one valid call per public name.


@dataclass
class Entry:
    """A valid call ``call(**valid())``; ``call`` defaults to the public object itself."""

    valid: Callable[[], dict[str, Any]]
    call: Callable[..., Any] | None = None
    positive: tuple[str, ...] = ()  # must be > 0: 0 and -1 are bad
    nonnegative: tuple[str, ...] = ()  # must be >= 0: -1 is bad
    allow: dict[str, tuple[str, ...]] = field(default_factory=dict)  # arg -> bad kinds that are valid here
    only: tuple[str, ...] | None = None  # probe only these arguments (expensive calls)


@dataclass
class NotProbed:
    """A public name the probe does not call, and why."""

    reason: str


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _x(n: int = 12, d: int = 3, seed: int = 0) -> np.ndarray:
    return _rng(seed).standard_normal((n, d))


def _labels(n: int = 12, k: int = 2, seed: int = 1) -> np.ndarray:
    y = np.arange(n) % k
    return _rng(seed).permutation(y)


def _tf():
    from mlnotes.tf_env import tf

    return tf


def _keras():
    from mlnotes.tf_env import keras

    return keras


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """A caller that imports lazily, so that the table can be built without TensorFlow."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(f"mlnotes.{module}"), name)(*args, **kwargs)

    return call


def _mlp_params(seed: int = 0) -> list[np.ndarray]:
    from mlnotes import optimizers

    return optimizers.mlp_init(3, 4, 2, seed=seed)


@functools.cache  # one Keras model per process: building is the slow part
def _small_dense_model():
    from mlnotes import networks

    return networks.make_mlp(2, 1, hidden=(3,), seed=0)


@functools.cache  # one Keras model per process: building is the slow part
def _mha_layer():
    keras = _keras()
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)
    q = np.zeros((1, 3, 4), np.float32)
    layer(q, q)
    return layer


def _mha_params():
    from mlnotes import attention

    return attention.params_from_keras(_mha_layer())


def _camera():
    from mlnotes import signal

    K = signal.intrinsic_matrix(800.0, 1.0, 1.0, 320.0, 240.0)
    R = np.eye(3)
    t = np.array([0.1, -0.2, 5.0])
    pts = _rng(3).uniform(-1, 1, (12, 3))
    return K, R, t, pts, signal.project_points(K, R, t, pts)


def _bumps():
    x = np.arange(200.0)
    return np.exp(-0.5 * ((x - 60) / 6) ** 2) + np.exp(-0.5 * ((x - 140) / 6) ** 2)


@functools.cache  # one Keras model per process: building is the slow part
def _tiny_vae():
    from mlnotes import vae

    return vae.VAE(input_dim=4, latent_dim=2, hidden=(3,), seed=0)


def _image():
    return _rng(4).uniform(0, 1, (16, 16))


TF_NOTE = "Keras object: probed only on cheap arguments"

TABLE: dict[str, Entry | NotProbed] = {
    # data
    "data.sine_samples": Entry(
        lambda: {"n": 5, "low": -1.0, "high": 1.0, "noise": 0.1, "seed": 0},
        positive=("n",),
        nonnegative=("noise", "seed"),
        allow={"low": ("negative",)},
    ),
    "data.hyperspectral_cube": Entry(
        lambda: {"height": 3, "width": 2, "n_bands": 4, "n_materials": 2, "noise": 0.01, "seed": 0},
        positive=("height", "width", "n_bands", "n_materials"),
        nonnegative=("noise", "seed"),
    ),
    "data.gaussian_bumps": Entry(
        lambda: {
            "n": 20,
            "centers": np.array([5.0, 12.0]),
            "widths": np.array([1.0, 2.0]),
            "amplitudes": np.array([1.0, 0.5]),
            "noise": 0.0,
            "seed": 0,
        },
        positive=("n",),
        nonnegative=("noise", "seed"),
        allow={"centers": ("ndim",), "widths": ("ndim",), "amplitudes": ("none", "ndim")},
    ),
    "data.two_line_samples": Entry(
        lambda: {
            "n": 10,
            "breakpoint": 4.0,
            "value_at_break": 2.0,
            "slopes": (0.5, -1.5),
            "low": 0.0,
            "high": 10.0,
            "noise": 0.2,
            "seed": 0,
        },
        positive=("n",),
        nonnegative=("noise", "seed"),
        allow={"low": ("negative", "zero"), "breakpoint": ("negative",), "value_at_break": ("negative",)},
    ),
    "data.complex_linear_samples": Entry(
        lambda: {
            "n_samples": 10,
            "n_features": 2,
            "noise": 0.1,
            "weights": np.array([1 + 1j, -0.5j]),
            "seed": 0,
        },
        positive=("n_samples", "n_features"),
        nonnegative=("noise", "seed"),
        allow={"weights": ("none",)},
    ),
    "data.reversal_sequences": Entry(
        lambda: {"n": 4, "length": 5, "vocab": 3, "seed": 0},
        positive=("n", "length", "vocab"),
        nonnegative=("seed",),
    ),
    "data.digit_images": Entry(
        lambda: {"test_fraction": 0.2, "seed": 0}, positive=("test_fraction",), nonnegative=("seed",)
    ),
    # regression
    "regression.ols": Entry(lambda: {"X": _x(12, 2), "y": _x(12, 1, 5)[:, 0], "add_intercept": True}),
    "regression.ols_statistics": Entry(
        lambda: {
            "X": _x(12, 2),
            "y": _x(12, 1, 5)[:, 0],
            "coef": np.array([0.1, 0.2, 0.3]),
            "add_intercept": True,
        }
    ),
    "regression.r2_score": Entry(
        lambda: {"y_true": np.arange(5.0), "y_pred": np.array([0.1, 1.2, 1.9, 3.2, 3.9])}
    ),
    "regression.adjusted_r2": Entry(
        lambda: {"r2": 0.5, "n_samples": 20, "n_features": 3},
        positive=("n_samples",),
        nonnegative=("n_features",),
        allow={"r2": ("negative", "zero")},
    ),
    "regression.OLSResult": NotProbed("result container returned by ols; not constructed by users"),
    # timing and plotting
    "timing.best_seconds": Entry(
        lambda: {"fn": lambda: None, "number": 1, "repeat": 1, "warmup": True}, positive=("number", "repeat")
    ),
    "plotting.subplots": Entry(lambda: {"nrows": 1, "ncols": 2}, positive=("nrows", "ncols")),
    "plotting.use_book_style": Entry(lambda: {}),
    "plotting.series_style": Entry(lambda: {"index": 2, "marker": True}, nonnegative=("index",)),
    # probability
    "probability.softmax": Entry(
        lambda: {"x": _x(4, 3), "axis": -1}, allow={"x": ("ndim",), "axis": ("negative",)}
    ),
    "probability.logsumexp": Entry(
        lambda: {"x": _x(4, 3), "axis": -1}, allow={"x": ("ndim",), "axis": ("negative",)}
    ),
    "probability.project_to_simplex": Entry(
        lambda: {"v": _x(4, 3), "axis": -1}, allow={"v": ("ndim",), "axis": ("negative",)}
    ),
    "probability.block_covariance": Entry(
        lambda: {
            "variances": [np.eye(2), np.array([[2.0]])],
            "cross": {(0, 1): np.array([[0.1], [0.2]])},
            "tol": 1e-10,
        },
        nonnegative=("tol",),
        allow={"cross": ("none",)},
    ),
    "probability.split_sample": Entry(
        lambda: {"sample": _x(5, 3), "sizes": [1, 2]}, allow={"sample": ("ndim",)}
    ),
    "probability.sample_ordered_uniform": Entry(
        lambda: {"n_samples": 5, "low": 0.0, "high": 1.0, "size": 3, "seed": 0},
        positive=("n_samples", "size"),
        nonnegative=("seed",),
        allow={"low": ("negative",), "seed": ("none",)},
    ),
    "probability.ordered_uniform_marginals": Entry(
        lambda: {"x": np.linspace(0.1, 0.9, 5), "k": 3, "rank": 2, "low": 0.0, "high": 1.0},
        positive=("k", "rank"),
        allow={"low": ("negative",), "x": ("ndim", "empty")},
    ),
    "probability.robustmax_probabilities": Entry(
        lambda: {"f_samples": _x(6, 3), "epsilon": 0.01},
        nonnegative=("epsilon",),
        allow={"f_samples": ("ndim",)},
    ),
    "probability.robustmax_quadrature": Entry(
        lambda: {
            "mean": np.array([0.0, 1.0, -1.0]),
            "var": np.array([1.0, 0.5, 2.0]),
            "epsilon": 0.01,
            "n_points": 20,
        },
        positive=("n_points",),
        nonnegative=("epsilon",),
        allow={"n_points": ("none",), "mean": ("ndim",), "var": ("ndim",)},
    ),
    "probability.column_stochastic_from_logits": Entry(lambda: {"logits": _x(3, 3)}),
    # signal
    "signal.savgol_coefficients": Entry(
        lambda: {"window_length": 5, "polyorder": 2, "deriv": 0, "delta": 1.0, "pos": 2.0},
        positive=("window_length", "delta"),
        nonnegative=("polyorder", "deriv"),
        allow={"pos": ("none",)},
    ),
    "signal.savgol_cube": Entry(
        lambda: {"data": _x(4, 9), "window_length": 5, "polyorder": 2, "deriv": 0, "delta": 1.0, "axis": -1},
        positive=("window_length", "delta"),
        nonnegative=("polyorder", "deriv"),
        allow={"data": ("ndim",), "axis": ("negative",)},
    ),
    "signal.savgol_matrix": Entry(
        lambda: {"n": 9, "window_length": 5, "polyorder": 2, "deriv": 0, "delta": 1.0},
        positive=("n", "window_length", "delta"),
        nonnegative=("polyorder", "deriv"),
    ),
    "signal.savgol_polyfit_reference": Entry(
        lambda: {"data": _x(2, 9), "window_length": 5, "polyorder": 2, "deriv": 0, "delta": 1.0, "axis": -1},
        positive=("window_length", "delta"),
        nonnegative=("polyorder", "deriv"),
        allow={"data": ("ndim",), "axis": ("negative",)},
    ),
    "signal.count_gaussians": Entry(
        lambda: {"y": _bumps(), "sigma": 4.0, "min_depth": 0.0},
        positive=("sigma",),
        nonnegative=("min_depth",),
    ),
    "signal.gaussian_peaks": Entry(
        lambda: {"y": _bumps(), "sigma": 4.0, "min_depth": 0.0},
        positive=("sigma",),
        nonnegative=("min_depth",),
    ),
    "signal.smoothed_second_derivative": Entry(lambda: {"y": _bumps(), "sigma": 4.0}, positive=("sigma",)),
    "signal.second_derivative_kernel": Entry(
        lambda: {"sigma": 2.0, "method": "sampled"}, positive=("sigma",)
    ),
    "signal.discrete_gaussian_kernel": Entry(lambda: {"t": 2.0, "truncate": 4.0}, positive=("t", "truncate")),
    "signal.local_mean_variance": Entry(
        lambda: {"image": _image(), "sigma": 1.5, "size": 5, "mode": "nearest"}, positive=("sigma", "size")
    ),
    "signal.local_mean_variance_direct": Entry(
        lambda: {"image": _image()[:8, :8], "sigma": 1.5, "size": 5}, positive=("sigma", "size")
    ),
    "signal.mscn": Entry(
        lambda: {"image": _image(), "sigma": 1.5, "size": 5, "c": 1.0}, positive=("sigma", "size", "c")
    ),
    "signal.fit_two_lines": Entry(
        lambda: {
            "x": np.linspace(0, 10, 20),
            "y": np.abs(np.linspace(0, 10, 20) - 4.0) + 0.01 * _rng(5).standard_normal(20),
        }
    ),
    "signal.two_line_rss": Entry(
        lambda: {
            "x": np.linspace(0, 10, 20),
            "y": np.abs(np.linspace(0, 10, 20) - 4.0),
            "breakpoints": np.array([3.0, 4.0, 5.0]),
        },
        allow={"breakpoints": ("empty",)},
    ),  # one RSS per breakpoint
    "signal.intrinsic_matrix": Entry(
        lambda: {
            "focal_length": 800.0,
            "pixel_width": 1.0,
            "pixel_height": 1.0,
            "cx": 320.0,
            "cy": 240.0,
            "skew": 0.0,
        },
        positive=("focal_length", "pixel_width", "pixel_height"),
        allow={"skew": ("negative",), "cx": ("negative", "zero"), "cy": ("negative", "zero")},
    ),
    "signal.project_points": Entry(
        lambda: dict(zip(["K", "R", "t", "points"], _camera()[:4], strict=True)), allow={"points": ("empty",)}
    ),  # no points, no pixels
    "signal.dlt_design_matrix": Entry(lambda: {"points_3d": _camera()[3], "points_2d": _camera()[4]}),
    "signal.calibrate_dlt": Entry(lambda: {"points_3d": _camera()[3], "points_2d": _camera()[4]}),
    "signal.refine_calibration": Entry(
        lambda: {
            "points_3d": _camera()[3],
            "points_2d": _camera()[4],
            "square_pixels": False,
            "zero_skew": True,
        }
    ),
    "signal.CameraCalibration": NotProbed("result container returned by calibrate_dlt"),
    "signal.TwoLineFit": NotProbed("result container returned by fit_two_lines"),
    # optimizers (NumPy)
    "optimizers.RMSProp": Entry(
        lambda: {
            "params": [np.ones(3)],
            "grads": [np.full(3, 0.5)],
            "learning_rate": 0.01,
            "rho": 0.9,
            "momentum": 0.0,
            "epsilon": 1e-7,
            "centered": False,
            "convention": "keras",
        },
        call=lambda params, grads, **kw: _lazy("optimizers", "RMSProp")(**kw).step(params, grads),
        positive=("learning_rate", "epsilon"),
        nonnegative=("momentum",),
        allow={"params": ("ndim", "empty"), "grads": ("ndim", "empty")},
    ),
    "optimizers.SGD": Entry(
        lambda: {"params": [np.ones(3)], "grads": [np.full(3, 0.5)], "learning_rate": 0.1, "momentum": 0.0},
        call=lambda params, grads, **kw: _lazy("optimizers", "SGD")(**kw).step(params, grads),
        positive=("learning_rate",),
        nonnegative=("momentum",),
        allow={"params": ("ndim", "empty"), "grads": ("ndim", "empty")},
    ),
    "optimizers.gradient_noise_scale": Entry(lambda: {"per_example_grads": _x(8, 3)}),
    "optimizers.mlp_init": Entry(
        lambda: {"n_inputs": 3, "n_hidden": 4, "n_classes": 2, "seed": 0},
        positive=("n_inputs", "n_hidden", "n_classes"),
        nonnegative=("seed",),
    ),
    "optimizers.mlp_loss_and_grads": Entry(lambda: {"params": _mlp_params(), "x": _x(6, 3), "y": _labels(6)}),
    "optimizers.mlp_per_example_gradients": Entry(
        lambda: {"params": _mlp_params(), "x": _x(6, 3), "y": _labels(6)}
    ),
    "optimizers.train_minibatch": Entry(
        lambda: {
            "params": _mlp_params(),
            "x": _x(8, 3),
            "y": _labels(8),
            "optimizer": _lazy("optimizers", "SGD")(0.1),
            "batch_size": 4,
            "epochs": 1,
            "seed": 0,
        },
        positive=("batch_size", "epochs"),
        nonnegative=("seed",),
    ),
    "optimizers.TrainingRun": NotProbed("result container returned by train_minibatch"),
    # logistic (NumPy)
    "logistic.LogisticRegression": Entry(
        lambda: {
            "x": _x(20, 2),
            "y": _labels(20),
            "solver": "lbfgs",
            "C": 1.0,
            "penalty": "l2",
            "fit_intercept": True,
            "tol": 1e-4,
            "max_iter": 50,
        },
        call=lambda x, y, **kw: _lazy("logistic", "LogisticRegression")(**kw).fit(x, y),
        positive=("C", "tol", "max_iter"),
        allow={"penalty": ("none",)},
    ),
    "logistic.logistic_objective": Entry(
        lambda: {
            "theta": np.array([0.1, -0.2, 0.3]),
            "x": _x(10, 2),
            "y": _labels(10),
            "C": 1.0,
            "fit_intercept": True,
        },
        positive=("C",),
    ),
    "logistic.logistic_gradient": Entry(
        lambda: {
            "theta": np.array([0.1, -0.2, 0.3]),
            "x": _x(10, 2),
            "y": _labels(10),
            "C": 1.0,
            "fit_intercept": True,
        },
        positive=("C",),
    ),
    "logistic.logistic_hessian_vector": Entry(
        lambda: {
            "theta": np.array([0.1, -0.2, 0.3]),
            "v": np.array([1.0, 0.0, -1.0]),
            "x": _x(10, 2),
            "y": _labels(10),
            "C": 1.0,
            "fit_intercept": True,
        },
        positive=("C",),
    ),
    "logistic.ConvergenceWarning": NotProbed("a warning category, raised not called"),
    "logistic_solvers.saga_step_size": Entry(
        lambda: {"x": _x(10, 2), "C": 1.0, "fit_intercept": True, "penalty": "l2", "n_classes": 2},
        positive=("C", "n_classes"),
        allow={"penalty": ("none",)},
    ),
    "logistic_solvers.SolverResult": NotProbed("internal result of the logistic solvers"),
    "logistic_solvers.SolverSettings": NotProbed("internal settings of the logistic solvers, built by fit"),
    "logistic_solvers.Recorder": NotProbed("internal history recorder of the logistic solvers"),
    "logistic_objective.Objective": NotProbed(
        "internal objective built by LogisticRegression.fit from checked data"
    ),
    "logistic_kernels.glmnet_inner": NotProbed("numba kernel called only by the solvers on checked arrays"),
    "logistic_kernels.sag_epoch": NotProbed("numba kernel called only by the solvers on checked arrays"),
    "logistic_kernels.warm_up": NotProbed("takes no arguments; it only compiles (or loads) the kernels"),
    # wirtinger (NumPy side; tf_gradient and complex_gradient_descent run TensorFlow)
    "wirtinger.wirtinger_derivatives": Entry(
        lambda: {"f": lambda z: z * np.conj(z), "z": np.array([1 + 1j, 0.5j]), "step": 1e-6},
        positive=("step",),
        allow={"step": ("none",), "z": ("ndim",)},
    ),
    "wirtinger.real_partials": Entry(
        lambda: {"f": lambda z: z * np.conj(z), "z": np.array([1 + 1j, 0.5j]), "step": 1e-6},
        positive=("step",),
        allow={"step": ("none",), "z": ("ndim",)},
    ),
    "wirtinger.predicted_tf_gradient": Entry(
        lambda: {"f": lambda z: z * np.conj(z), "z": np.array([1 + 1j, 0.5j]), "step": 1e-6},
        positive=("step",),
        allow={"step": ("none",), "z": ("ndim",)},
    ),
    "wirtinger.predicted_jax_gradient": Entry(
        lambda: {"f": lambda z: z * np.conj(z), "z": np.array([1 + 1j, 0.5j]), "step": 1e-6},
        positive=("step",),
        allow={"step": ("none",), "z": ("ndim",)},
    ),
    "wirtinger.predicted_torch_gradient": Entry(
        lambda: {"f": lambda z: z * np.conj(z), "z": np.array([1 + 1j, 0.5j]), "step": 1e-6},
        positive=("step",),
        allow={"step": ("none",), "z": ("ndim",)},
    ),
    "wirtinger.tf_gradient": Entry(
        lambda: {"f": lambda z: z * _tf().math.conj(z), "z": np.array([1 + 1j, 0.5j])}, allow={"z": ("ndim",)}
    ),
    "wirtinger.complex_gradient_descent": Entry(
        lambda: {
            "loss": lambda w: _tf().reduce_sum(_tf().abs(w - 1) ** 2),
            "w0": np.array([0j, 1j]),
            "learning_rate": 0.1,
            "steps": 2,
            "conjugate_step": False,
        },
        positive=("learning_rate", "steps"),
        allow={"w0": ("ndim",)},
    ),
    # gradients (TensorFlow)
    "gradients.input_derivatives": Entry(
        lambda: {"f": lambda x: _tf().sin(x), "x": np.linspace(-1, 1, 4), "order": 2}, nonnegative=("order",)
    ),
    "gradients.jacobian": Entry(
        lambda: {"f": lambda x: x**2, "x": np.array([1.0, 2.0]), "method": "vectorized"}
    ),
    "gradients.maximize_input": Entry(
        lambda: {
            "f": lambda z: -_tf().reduce_sum((z[:, 1:] - z[:, :1]) ** 2, axis=-1),
            "x_fixed": np.array([0.5]),
            "y0": np.array([0.0]),
            "steps": 3,
            "learning_rate": 0.1,
            "n_starts": 1,
            "seed": 0,
            "tol": 1e-3,
        },
        positive=("steps", "learning_rate", "n_starts", "tol"),
        nonnegative=("seed",),
        allow={"x_fixed": ("empty",)},
    ),  # no fixed inputs: f(y)
    "gradients.round_ste": Entry(lambda: {"x": np.array([0.2, 1.7])}, allow={"x": ("ndim", "empty")}),
    "gradients.soft_step": Entry(
        lambda: {"x": np.array([-0.2, 0.0, 0.3]), "max_slope": 2.0},
        positive=("max_slope",),
        allow={"x": ("ndim", "empty")},
    ),
    "gradients.clipped_soft_sign": Entry(
        lambda: {"x": np.array([-0.2, 0.0, 0.3]), "k": 2.0}, positive=("k",), allow={"x": ("ndim", "empty")}
    ),
    "gradients.sobolev_loss": Entry(
        lambda: {
            "model": _lazy("networks", "make_mlp")(1, 1, hidden=(3,)),
            "x": _x(4, 1).astype(np.float32),
            "y": _x(4, 1, 1).astype(np.float32),
            "dydx": _x(4, 1, 2).astype(np.float32),
            "derivative_weight": 1.0,
        },
        nonnegative=("derivative_weight",),
    ),
    "gradients.input_gradient_penalty_loss": Entry(
        lambda: {
            "model": _small_dense_model(),
            "x": _x(4, 2).astype(np.float32),
            "y": np.array([[0.0], [1.0], [1.0], [0.0]], np.float32),
            "penalty_weight": 1.0,
        },
        nonnegative=("penalty_weight",),
    ),
    "gradients.train": Entry(
        lambda: (
            lambda m: {
                "model": m,
                "loss": lambda: _tf().reduce_sum(m.trainable_weights[0] ** 2),
                "steps": 2,
                "learning_rate": 0.01,
            }
        )(_small_dense_model()),
        positive=("steps", "learning_rate"),
    ),
    "gradients.BackwardProbe": Entry(lambda: {}),
    "gradients.InputMaximum": NotProbed("result container returned by maximize_input"),
    # networks (Keras)
    "networks.make_mlp": Entry(
        lambda: {"n_inputs": 2, "n_outputs": 1, "hidden": (3,), "activation": "tanh", "seed": 0},
        positive=("n_inputs", "n_outputs"),
        nonnegative=("seed",),
    ),
    "networks.dense_layers": Entry(lambda: {"model": _small_dense_model()}),
    "networks.hidden_preactivations": Entry(
        lambda: {"model": _small_dense_model(), "x": _x(3, 2)}, allow={"x": ("empty",)}
    ),  # no rows in, no rows out
    "networks.mlp_apply": Entry(
        lambda: {
            "layers": [(np.ones((2, 3)), np.zeros(3), "tanh"), (np.ones((3, 1)), np.zeros(1), "linear")],
            "x": _x(3, 2),
        },
        allow={"x": ("ndim", "empty")},
    ),  # (0, n_in) -> (0, n_out)
    # attention
    "attention.scaled_dot_product_attention": Entry(
        lambda: {"q": _x(3, 2), "k": _x(4, 2, 1), "v": _x(4, 5, 2), "mask": None},
        allow={"q": ("ndim",), "k": ("ndim",), "v": ("ndim",), "mask": ("none",)},
    ),
    "attention.multi_head_attention": Entry(
        lambda: {
            "query": _x(3, 4)[None].astype(np.float32),
            "value": _x(3, 4, 1)[None].astype(np.float32),
            "params": _mha_params(),
        },
        allow={"query": ("ndim",), "value": ("ndim",)},
    ),
    "attention.params_from_keras": Entry(lambda: {"layer": _mha_layer()}),
    "attention.contribution_norms": Entry(
        lambda: {"weights": np.full((2, 3), 1 / 3), "values": _x(3, 4)},
        allow={"weights": ("ndim", "empty"), "values": ("ndim",)},
    ),
    "attention.cross_entropy_with_logits": Entry(
        lambda: {"logits": _x(4, 3), "labels": np.array([0, 2, 1, 1])},
        allow={"logits": ("ndim",), "labels": ("ndim",)},
    ),
    "attention.temperature_probabilities": Entry(
        lambda: {"logits": _x(2, 3), "temperature": 0.5},
        nonnegative=("temperature",),
        allow={"logits": ("ndim",)},
    ),
    "attention.generate": Entry(
        lambda: {
            "next_logits": lambda tokens: np.zeros((len(tokens), 3)),
            "prompt": np.array([[0, 1]]),
            "steps": 2,
            "temperature": 1.0,
            "seed": 0,
        },
        nonnegative=("steps", "temperature", "seed"),
    ),  # 0 steps: the prompt
    "attention.draw_attention_shapes": Entry(
        lambda: {"ax": _fresh_axis(), "n": 3, "d_model": 4, "d_k": 2, "d_v": 2},
        positive=("n", "d_model", "d_k", "d_v"),
    ),
    "attention_models.sequence_attention_model": Entry(
        lambda: {"length": 3, "vocab": 4, "d_model": 4, "num_heads": 1, "seed": 0},
        positive=("length", "vocab", "d_model", "num_heads"),
        nonnegative=("seed",),
        only=("length", "vocab", "seed"),
    ),
    "attention_models.PositionEmbedding": Entry(
        lambda: {"length": 3, "seed": 0}, positive=("length",), nonnegative=("seed",)
    ),
    "attention_models.loss_gradients": Entry(lambda: {"logits": _x(4, 3), "labels": np.array([0, 2, 1, 1])}),
    "signal.draw_pixel_geometry": Entry(
        lambda: {
            "axes": _fresh_axes(2),
            "focal_length": 8.0,
            "pixel_width": 0.005,
            "pixel_height": 0.00625,
            "point": (0.0175, 0.0125),
        },
        positive=("focal_length", "pixel_width", "pixel_height"),
    ),
    "attention_models.next_token_logits": Entry(
        lambda: {
            "model": _lazy("attention_models", "sequence_attention_model")(3, 4, d_model=4, causal=True)[0]
        }
    ),
    # noisy labels
    "noisy_labels.flip_labels": Entry(
        lambda: {"labels": _labels(10, 3), "transition": np.full((3, 3), 1 / 3), "seed": 0},
        nonnegative=("seed",),
    ),
    "noisy_labels.fit_softmax_classifier": Entry(
        lambda: {
            "x": _x(12, 2).astype(np.float32),
            "noisy_labels": _labels(12, 2),
            "n_classes": 2,
            "channel": None,
            "epochs": 1,
            "learning_rate": 0.05,
            "batch_size": 6,
            "seed": 0,
        },
        positive=("n_classes", "epochs", "learning_rate", "batch_size"),
        nonnegative=("seed",),
        allow={"channel": ("none",)},
        only=("x", "noisy_labels", "n_classes", "epochs", "learning_rate", "batch_size", "seed"),
    ),
    "noisy_labels.project_columns_to_simplex": Entry(lambda: {"q": _x(3, 3)}),
    "noisy_labels.NoisyChannel": Entry(
        lambda: {"n_classes": 3, "mode": "softmax", "diagonal": 0.9}, positive=("n_classes", "diagonal")
    ),
    "noisy_labels.SimplexColumns": Entry(
        lambda: {"w": _x(3, 3)}, call=lambda w: _lazy("noisy_labels", "SimplexColumns")()(w)
    ),
    "noisy_labels.SoftmaxColumns": Entry(
        lambda: {"w": _x(3, 3)}, call=lambda w: _lazy("noisy_labels", "SoftmaxColumns")()(w)
    ),
    "noisy_labels.ChannelFit": NotProbed("result container returned by fit_softmax_classifier"),
    "optimizer_callbacks.DeltaRecorder": Entry(lambda: {"keep_weights": False}),
    # vae
    "vae.reparameterize": Entry(
        lambda: {"mean": _x(2, 2), "log_var": _x(2, 2, 1), "eps": _x(2, 2, 2)},
        allow={"mean": ("ndim",), "log_var": ("ndim",), "eps": ("ndim",)},
    ),
    "vae.kl_to_standard_normal": Entry(
        lambda: {"mean": _x(2, 2), "log_var": _x(2, 2, 1)}, allow={"mean": ("ndim",), "log_var": ("ndim",)}
    ),
    "vae.gaussian_log_likelihood": Entry(
        lambda: {"x": _x(2, 2), "mean": _x(2, 2, 1), "log_var": _x(2, 2, 2)},
        allow={"x": ("ndim",), "mean": ("ndim",), "log_var": ("ndim",)},
    ),
    "vae.bernoulli_log_likelihood": Entry(
        lambda: {"x": np.array([[0.0, 1.0]]), "logits": _x(1, 2)}, allow={"x": ("ndim",), "logits": ("ndim",)}
    ),
    "vae.grey_level_entropy_bound": Entry(
        lambda: {"x": np.array([[0.0, 0.5, 1.0]])}, allow={"x": ("ndim", "empty")}
    ),  # batch axes: one bound per input
    "vae.independent_pixels_log_likelihood": Entry(
        lambda: {
            "x_train": _rng(1).uniform(0, 1, (6, 3)),
            "x_test": _rng(2).uniform(0, 1, (2, 3)),
            "decoder": "bernoulli",
            "pseudo_count": 0.5,
        },
        positive=("pseudo_count",),
    ),
    "vae.VAE": Entry(
        lambda: {"input_dim": 4, "latent_dim": 2, "hidden": (3,), "decoder": "bernoulli", "seed": 0},
        positive=("input_dim", "latent_dim"),
        nonnegative=("seed",),
    ),
    "vae.keras_example_vae": Entry(
        lambda: {"latent_dim": 2, "seed": 0},
        positive=("latent_dim",),
        nonnegative=("seed",),
        only=("latent_dim", "seed"),
    ),
    "vae.train": Entry(
        lambda: {
            "model": _tiny_vae(),
            "x": _rng(1).uniform(0, 1, (8, 4)).astype(np.float32),
            "epochs": 1,
            "batch_size": 4,
            "learning_rate": 1e-3,
            "seed": 0,
        },
        positive=("epochs", "batch_size", "learning_rate"),
        nonnegative=("seed",),
        only=("x", "epochs", "batch_size", "learning_rate", "seed"),
    ),
    "vae.elbo_over_seeds": NotProbed(
        "trains one VAE per seed: too slow for the probe; its arguments go through vae.train, which is probed"
    ),
    "vae.multiply_adds": Entry(lambda: {"network": _small_dense_model()}),
    "vae.plot_reparameterization_graph": Entry(lambda: {"ax": _fresh_axis()}, allow={"ax": ("none",)}),
    # tf_env
    "tf_env.set_seed": Entry(lambda: {"seed": 0}, nonnegative=("seed",)),
}


def _fresh_axes(n: int = 1):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    return plt.subplots(1, n)[1]


def _fresh_axis():
    return _fresh_axes(1)


# ---------------------------------------------------------------------------------------------
# The probe.

# Cases that are known to fail: "module.name:argument" -> what goes wrong. Empty: every case passes;
# a case added here must say why it cannot be fixed.
KNOWN_FAILURES: dict[str, str] = {}


def public_api() -> dict[str, Any]:
    """``{"module.name": object}`` for every public callable defined in each mlnotes module."""
    found = {}
    for info in pkgutil.iter_modules(mlnotes.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"mlnotes.{info.name}")
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue  # constants (COLORS, STYLE, DEFAULT_STEP) and the tf/keras modules
            if getattr(obj, "__module__", module.__name__) != module.__name__:
                continue  # a re-export: probed where it is defined
            found[f"{info.name}.{name}"] = obj
    return found


def _target(qualname: str) -> Callable[..., Any]:
    entry = TABLE[qualname]
    if entry.call is not None:
        return entry.call
    module, name = qualname.rsplit(".", 1)
    return getattr(importlib.import_module(f"mlnotes.{module}"), name)


def _defaults_none(qualname: str) -> set[str]:
    """Arguments whose default is None in the public signature (None is valid for them)."""
    module, name = qualname.rsplit(".", 1)
    obj = getattr(importlib.import_module(f"mlnotes.{module}"), name, None)
    try:
        params = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return set()
    return {p for p, spec in params.items() if spec.default is None}


def bad_values(value: Any, entry: Entry, name: str) -> list[tuple[str, Any]]:
    """(kind, bad value) pairs for one argument, from the kind of its valid value."""
    if isinstance(value, str):
        cases = [("none", None), ("option", "no-such-option"), ("int", 3)]
    elif isinstance(value, (bool, np.bool_)):
        cases = [("none", None), ("str", "yes"), ("int", 1)]
    elif isinstance(value, (int, np.integer)):
        cases = [("none", None), ("str", "3"), ("float", 2.5), ("bool", True)]
    elif isinstance(value, (float, np.floating)):
        cases = [("none", None), ("str", "0.5"), ("nan", float("nan")), ("inf", float("inf")), ("bool", True)]
    elif isinstance(value, np.ndarray):
        cases = [("none", None), ("str", "abc"), ("empty", value[:0]), ("ndim", value[None])]
        if value.dtype.kind in "fc":
            for kind, bad in [("nan", np.nan), ("inf", np.inf)]:
                spoiled = value.copy()
                spoiled.flat[0] = bad
                cases.append((kind, spoiled))
        elif value.dtype.kind in "iu":
            cases.append(("float", value + 0.5))
    elif callable(value) and not hasattr(value, "weights"):
        cases = [("none", None), ("int", 3)]
    elif isinstance(value, tuple) and all(isinstance(v, (int, np.integer)) for v in value):
        cases = [("none", None), ("str", "ab"), ("negative", tuple(-1 for _ in value))]
    else:
        cases = [("none", None), ("int", 3)]
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if number and name in entry.positive:
        cases += [("zero", type(value)(0)), ("negative", type(value)(-1))]
    elif number and name in entry.nonnegative:
        cases += [("negative", type(value)(-1))]
    return [(k, v) for k, v in cases if k not in entry.allow.get(name, ())]


@dataclass
class Outcome:
    kind: str
    verdict: str  # "clear", "silent", "obscure"
    detail: str


_VALID_RAN: set[str] = set()


def probe_argument(qualname: str, name: str) -> list[Outcome]:
    """Substitute each bad value for ``name`` in the valid call and classify what happens."""
    entry = TABLE[qualname]
    call = _target(qualname)
    none_ok = name in _defaults_none(qualname)
    if qualname not in _VALID_RAN:  # the valid call must run, or the probe proves nothing
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(**entry.valid())
        _VALID_RAN.add(qualname)
    outcomes = []
    for kind, bad in bad_values(entry.valid()[name], entry, name):
        if kind == "none" and none_ok:
            continue
        kwargs = entry.valid()
        kwargs[name] = bad
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(**kwargs)
        except (TypeError, ValueError) as exc:
            message = str(exc)
            verdict = "clear" if name in message else "obscure"
            outcomes.append(Outcome(kind, verdict, f"{type(exc).__name__}: {message[:160]}"))
        except Exception as exc:  # an error from deep inside a dependency
            outcomes.append(Outcome(kind, "obscure", f"{type(exc).__name__}: {str(exc)[:160]}"))
        else:
            outcomes.append(Outcome(kind, "silent", "returned"))
    return outcomes


def _arguments(qualname: str) -> list[str]:
    entry = TABLE[qualname]
    names = list(entry.valid())
    return [n for n in names if entry.only is None or n in entry.only]


def _cases() -> list[Any]:
    params = []
    for qualname, entry in TABLE.items():
        if isinstance(entry, NotProbed):
            continue
        try:
            names = _arguments(qualname)
        except Exception:  # the valid example itself fails: the test shows why
            params.append(pytest.param(qualname, None, id=f"{qualname}:valid-example"))
            continue
        for name in names:
            key = f"{qualname}:{name}"
            marks = (
                [pytest.mark.xfail(strict=False, reason=KNOWN_FAILURES[key])] if key in KNOWN_FAILURES else []
            )
            params.append(pytest.param(qualname, name, id=key, marks=marks))
    return params


def test_every_public_name_is_in_the_table():
    missing = sorted(set(public_api()) - set(TABLE))
    assert not missing, f"public names without a probe entry in tests/test_api_probe.py: {missing}"


@pytest.mark.parametrize(("qualname", "name"), _cases())
def test_bad_values_are_refused_naming_the_argument(qualname, name):
    if name is None:
        TABLE[qualname].valid()  # raises: the table's example does not fit the function
    bad = [o for o in probe_argument(qualname, name) if o.verdict != "clear"]
    assert not bad, "\n".join(f"{o.kind}: {o.verdict} ({o.detail})" for o in bad)


def _snapshot(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return None  # not compared


def _same(before: Any, after: Any) -> bool:
    if before is None:
        return True
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=True)
    if isinstance(before, (list, tuple)):
        return all(_same(b, a) for b, a in zip(before, after, strict=True))
    if isinstance(before, dict):
        return all(_same(before[k], after[k]) for k in before)
    return True


@pytest.mark.parametrize("qualname", [q for q, e in TABLE.items() if isinstance(e, Entry)])
def test_the_valid_call_runs_and_leaves_its_inputs_unchanged(qualname):
    kwargs = TABLE[qualname].valid()
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _target(qualname)(**copy.copy(kwargs))
    changed = [k for k in kwargs if not _same(before[k], kwargs[k])]
    assert not changed, f"{qualname} modified its input(s) {changed}"


def main() -> int:
    """Print the probe's counts for the importable mlnotes (e.g. an old checkout on PYTHONPATH)."""
    api = public_api()
    counts = {"clear": 0, "silent": 0, "obscure": 0}
    lines = []
    for qualname in sorted(TABLE):
        entry = TABLE[qualname]
        if isinstance(entry, NotProbed) or qualname not in api:
            continue
        try:
            names = _arguments(qualname)
        except Exception as exc:  # the valid example does not fit this version
            lines.append(f"  {qualname}: not probed ({type(exc).__name__}: {str(exc)[:80]})")
            continue
        for name in names:
            try:
                outcomes = probe_argument(qualname, name)
            except Exception as exc:  # the valid call itself does not fit this version
                lines.append(f"  {qualname}:{name}: not probed ({type(exc).__name__}: {str(exc)[:80]})")
                continue
            for o in outcomes:
                counts[o.verdict] += 1
                if o.verdict != "clear":
                    lines.append(f"  {qualname}:{name} [{o.kind}] {o.verdict}: {o.detail}")
    total = sum(counts.values())
    untabled = sorted(set(api) - set(TABLE))
    print("\n".join(lines))
    print(f"public callables {len(api)}, without a table entry {len(untabled)}: {untabled}")
    print(
        f"cases {total}: clear errors {counts['clear']}, silent answers {counts['silent']}, "
        f"obscure errors {counts['obscure']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
