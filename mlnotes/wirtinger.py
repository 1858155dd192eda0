r"""Complex gradients: Wirtinger derivatives and the conventions of TensorFlow, PyTorch and JAX
(Chapter 2).

A function :math:`f(z)` of a complex variable :math:`z = x + iy` is, underneath, a function of
two real variables. The Wirtinger derivatives

.. math::
    \frac{\partial f}{\partial z} = \frac12\Bigl(\frac{\partial f}{\partial x}
        - i\,\frac{\partial f}{\partial y}\Bigr), \qquad
    \frac{\partial f}{\partial \bar z} = \frac12\Bigl(\frac{\partial f}{\partial x}
        + i\,\frac{\partial f}{\partial y}\Bigr)

exist whenever :math:`f` is differentiable as a map of :math:`(x, y)`, holomorphic or not;
:math:`f` is holomorphic exactly where :math:`\partial f/\partial \bar z = 0` (the
Cauchy-Riemann equations). Automatic-differentiation frameworks return one complex number
built from this pair, and each picks a different one:

* TensorFlow and PyTorch: :math:`\overline{\partial f/\partial z} + \partial f/\partial \bar z
  = \partial u/\partial x + i\,\partial u/\partial y` with :math:`u = \operatorname{Re} f`,
  the steepest-ascent direction of :math:`u`;
* JAX: its complex conjugate, :math:`\partial f/\partial z + \overline{\partial f/\partial \bar z}
  = \partial u/\partial x - i\,\partial u/\partial y`.

The NumPy half of this module (finite differences and the predictions) loads no TensorFlow;
:func:`tf_gradient` and :func:`complex_gradient_descent` import it when first called.

References
----------
Kreutz-Delgado (2009), "The complex gradient operator and the CR-calculus", arXiv:0906.4835;
Brandwood (1983), "A complex gradient operator and its application in adaptive array theory",
IEE Proceedings F 130(1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mlnotes._checks import (
    as_array,
    check_bool,
    check_callable,
    check_finite_output,
    check_int,
    check_real,
)

__all__ = [
    "DEFAULT_STEP",
    "complex_gradient_descent",
    "predicted_jax_gradient",
    "predicted_tf_gradient",
    "predicted_torch_gradient",
    "real_partials",
    "tf_gradient",
    "wirtinger_derivatives",
]

# Central differences: truncation error ~ h^2 |f'''| and rounding error ~ eps |f| / h balance at
# h ~ eps^(1/3) (about 6e-6), where both are ~ eps^(2/3) ~ 4e-11 relative.
DEFAULT_STEP = float(np.finfo(np.float64).eps ** (1 / 3))

NumpyFn = Callable[[np.ndarray], Any]


def _evaluate(f: NumpyFn, z: np.ndarray, want_shape: tuple[int, ...]) -> np.ndarray:
    """``f(z)`` as complex128, refusing non-numeric, wrongly shaped or non-finite results."""
    raw = np.asarray(f(z))
    if raw.dtype.kind not in "biufc":
        raise TypeError(f"f must return numbers; got dtype {raw.dtype}")
    if raw.shape != want_shape:
        raise ValueError(f"f must return shape {want_shape}; got {raw.shape}")
    out = raw.astype(np.complex128)
    if not np.all(np.isfinite(out)):
        raise ValueError("f returned NaN or infinite values at or next to z; "
                         "move z away from a singularity or reduce step")
    return out


def _differences(f: NumpyFn, z: np.ndarray, h: np.ndarray, scalar: bool) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of ``f`` in x and y with per-element steps ``h``."""
    # The steps actually taken after rounding z + h: dividing by them removes a bias of order eps/h.
    hx = (z.real + h) - (z.real - h)
    hy = (z.imag + h) - (z.imag - h)
    right, left = z.real + h + 1j * z.imag, z.real - h + 1j * z.imag
    up, down = z.real + 1j * (z.imag + h), z.real + 1j * (z.imag - h)
    if not scalar:
        df_dx = (_evaluate(f, right, z.shape) - _evaluate(f, left, z.shape)) / hx
        df_dy = (_evaluate(f, up, z.shape) - _evaluate(f, down, z.shape)) / hy
        return df_dx, df_dy
    df_dx = np.empty(z.shape, dtype=np.complex128)
    df_dy = np.empty(z.shape, dtype=np.complex128)
    for k in np.ndindex(z.shape):
        for plus, minus, width, out in ((right, left, hx, df_dx), (up, down, hy, df_dy)):
            zp, zm = z.copy(), z.copy()
            zp[k], zm[k] = plus[k], minus[k]
            out[k] = (_evaluate(f, zp, ()) - _evaluate(f, zm, ()))[()] / width[k]
    return df_dx, df_dy


def _partials_and_value(f: NumpyFn, z: Any, step: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(df/dx, df/dy, f(z))``, checked; see :func:`real_partials`."""
    f = check_callable(f, "f")
    z = as_array(z, "z", dtype=np.complex128, min_size=1)
    h_rel = DEFAULT_STEP if step is None else check_real(step, "step", low=0.0, high=0.1, low_open=True)
    h = h_rel * np.maximum(1.0, np.abs(z))
    # f gets copies throughout, so an f that works in place cannot change the caller's z.
    at = f"z = {complex(z)}" if z.ndim == 0 else "one of the points z"
    value = check_finite_output(f(z.copy()), "f(z)", at)
    if value.shape != z.shape and value.ndim != 0:
        raise ValueError(f"f must return a scalar or an array of z's shape {z.shape}; "
                         f"got shape {value.shape}")
    scalar = value.shape != z.shape
    df_dx, df_dy = _differences(f, z, h, scalar)
    # A singularity or kink within the step makes the differences garbage (1/z at 1e-7 gives
    # ~1e10 instead of -1e14). Smooth functions give the same result with steps h and 2h up to
    # ~h^2 |f'''| / 2 (truncation) and ~eps |f| / h (rounding); a kink gives a factor of order 1.
    wide_x, wide_y = _differences(f, z, 2 * h, scalar)
    size = np.max(np.abs(value)) + np.max(np.abs(df_dx)) + np.max(np.abs(df_dy))
    noise = 100 * np.finfo(np.float64).eps * size / np.min(h) + 100 * h_rel**2 * (1 + size)
    mismatch = np.maximum(np.abs(df_dx - wide_x), np.abs(df_dy - wide_y))
    allowed = 0.05 * np.maximum(np.abs(df_dx), np.abs(df_dy)) + noise
    bad = mismatch > allowed
    if np.any(bad):
        where = complex(z[bad].ravel()[0]) if z.ndim else complex(z)
        raise ValueError(f"f is not smooth within the finite-difference step at z = {where:.6g}: "
                         "the derivative estimates with steps h and 2h disagree (a singularity or kink "
                         "next to z); move z away from it or pass a smaller step")
    return df_dx, df_dy, value


def real_partials(f: NumpyFn, z: Any, *, step: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""The partial derivatives :math:`(\partial f/\partial x, \partial f/\partial y)` at
    :math:`z = x + iy`, by central finite differences.

    .. math::
        \frac{\partial f}{\partial x} \approx \frac{f(z + h) - f(z - h)}{2h}, \qquad
        \frac{\partial f}{\partial y} \approx \frac{f(z + ih) - f(z - ih)}{2h},

    with :math:`h = \text{step}\cdot\max(1, |z|)` per element. Both results are complex when
    :math:`f` is complex-valued.

    Two kinds of ``f`` are accepted, told apart by the shape of ``f(z)``:

    * elementwise: ``f(z)`` has ``z``'s shape and element ``k`` depends on ``z[k]`` only
      (``np.conj``, ``lambda z: z * z``); every element is perturbed at once, nine calls of
      ``f`` in all. A function that mixes elements but keeps the shape (``z * z.mean()``) is
      not detected and gives wrong results;
    * scalar-valued: ``f(z)`` is a scalar (a loss of a parameter vector); each element is
      perturbed in turn, ``8 * z.size + 1`` calls.

    The differences are taken twice, with steps :math:`h` and :math:`2h`; if the two disagree
    by more than truncation and rounding explain (5% of the derivative plus
    :math:`100\,(\varepsilon/h + \text{step}^2)(1 + s)`, :math:`s` the size of :math:`f` and of the
    derivatives), a singularity or kink lies within the step and a ``ValueError`` is raised
    instead of returning a meaningless number.

    The step is absolute for :math:`|z| < 1`, so the error is absolute too, about
    :math:`\varepsilon^{2/3}` times the size of :math:`f` near :math:`z`: a function whose
    values are far below 1 there (:math:`|z|^2` at :math:`|z| = 10^{-150}`) gets derivatives
    that are accurate in absolute terms but zero in relative terms. Pass a ``step`` of the
    order of :math:`\varepsilon^{1/3}|z|` for such functions.

    Parameters
    ----------
    f : callable
        NumPy function of a complex128 array shaped like ``z`` (a 0-d array for scalar ``z``).
    z : complex scalar or array_like
        The point. Real input is taken as complex with zero imaginary part.
    step : float, optional
        Relative step; default ``eps ** (1/3)`` (about 6e-6), which balances truncation and
        rounding error, leaving an error of order 1e-10 for well-scaled functions.

    Returns
    -------
    df_dx, df_dy : ndarray of complex128, shape of ``z``
        0-d arrays for scalar ``z``.

    References
    ----------
    Nocedal and Wright (2006), *Numerical Optimization*, section 8.1 (finite differences and
    the choice of step).
    """
    df_dx, df_dy, _ = _partials_and_value(f, z, step)
    return df_dx, df_dy


def wirtinger_derivatives(f: NumpyFn, z: Any, *, step: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""The Wirtinger derivatives :math:`(\partial f/\partial z, \partial f/\partial \bar z)`
    by central finite differences in the real and imaginary parts.

    .. math::
        \frac{\partial f}{\partial z} = \frac12\Bigl(\frac{\partial f}{\partial x}
            - i\,\frac{\partial f}{\partial y}\Bigr), \qquad
        \frac{\partial f}{\partial \bar z} = \frac12\Bigl(\frac{\partial f}{\partial x}
            + i\,\frac{\partial f}{\partial y}\Bigr).

    They treat :math:`z` and :math:`\bar z` as independent variables: for
    :math:`f = z\bar z^2`, :math:`\partial f/\partial z = \bar z^2` and
    :math:`\partial f/\partial \bar z = 2 z\bar z`. A function is holomorphic where
    :math:`\partial f/\partial \bar z = 0`, and then :math:`\partial f/\partial z = f'(z)`.
    For real-valued :math:`f`, :math:`\partial f/\partial \bar z = \overline{\partial f/\partial z}`.

    Parameters
    ----------
    f : callable
        NumPy function, elementwise on an array or scalar-valued (see :func:`real_partials`).
    z : complex scalar or array_like
        The point.
    step : float, optional
        Relative finite-difference step (see :func:`real_partials`).

    Returns
    -------
    df_dz, df_dzbar : ndarray of complex128, shape of ``z``

    References
    ----------
    Kreutz-Delgado (2009), arXiv:0906.4835, section 2; Brandwood (1983).
    """
    df_dx, df_dy, _ = _partials_and_value(f, z, step)
    return 0.5 * (df_dx - 1j * df_dy), 0.5 * (df_dx + 1j * df_dy)


def predicted_tf_gradient(f: NumpyFn, z: Any, *, step: float | None = None) -> np.ndarray:
    r"""What ``tf.GradientTape`` returns for :math:`f` at :math:`z`, predicted from the
    Wirtinger pair.

    .. math::
        g_{\mathrm{TF}} = \overline{\frac{\partial f}{\partial z}
            + \frac{\partial \bar f}{\partial z}}
          = \overline{\frac{\partial f}{\partial z}} + \frac{\partial f}{\partial \bar z}
          = \frac{\partial u}{\partial x} + i\,\frac{\partial u}{\partial y},
          \qquad u = \operatorname{Re} f,

    using :math:`\partial \bar f/\partial z = \overline{\partial f/\partial \bar z}`. So
    :math:`\overline{z} \mapsto 1`, :math:`z^2 \mapsto 2\bar z`, and for a real loss
    :math:`L` it is :math:`2\,\partial L/\partial \bar z`, the direction of steepest ascent.
    TensorFlow seeds the backward pass with 1, so for complex :math:`f` it is the gradient of
    :math:`\operatorname{Re} f`.

    Parameters and the shape of the result are those of :func:`wirtinger_derivatives`.

    References
    ----------
    TensorFlow issue 3348 (the conjugate convention, explained by the maintainers);
    Kreutz-Delgado (2009), arXiv:0906.4835, section 5 (the gradient of a real function).
    """
    df_dz, df_dzbar = wirtinger_derivatives(f, z, step=step)
    return np.conj(df_dz) + df_dzbar


def predicted_torch_gradient(f: NumpyFn, z: Any, *, step: float | None = None) -> np.ndarray:
    r"""What PyTorch's ``backward()`` leaves in ``z.grad`` for :math:`f`, by PyTorch's
    documented rule (PyTorch is not needed).

    PyTorch's note "Autograd for Complex Numbers" propagates
    :math:`\overline{g_{\mathrm{out}}}\,\partial s/\partial \bar z
    + g_{\mathrm{out}}\,\overline{\partial s/\partial z}` through a complex function
    :math:`s(z)`, and :math:`2\,g_{\mathrm{out}}\,\partial s/\partial \bar z` through a
    complex-to-real one, with :math:`g_{\mathrm{out}} = 1` at the output (``L.backward()`` for a
    real ``L``; a complex output needs the seed given explicitly,
    ``s.backward(torch.ones_like(s))``). Hence

    .. math::
        g_{\mathrm{torch}} = \begin{cases}
            2\,\partial f/\partial \bar z & f \text{ real-valued},\\
            \partial f/\partial \bar z + \overline{\partial f/\partial z} & f \text{ complex-valued},
        \end{cases}

    which equals :func:`predicted_tf_gradient` in both cases (for real :math:`f`,
    :math:`\partial f/\partial z = \overline{\partial f/\partial \bar z}`). The note calls this
    :math:`\partial L/\partial \bar z`; the value stored is twice the Wirtinger derivative,
    :math:`\partial L/\partial x + i\,\partial L/\partial y`.

    "Real-valued" is decided from ``f(z)``: imaginary parts all exactly zero.

    References
    ----------
    PyTorch documentation, "Autograd mechanics", section "Autograd for Complex Numbers".
    """
    df_dx, df_dy, values = _partials_and_value(f, z, step)  # f sees copies only
    df_dz, df_dzbar = 0.5 * (df_dx - 1j * df_dy), 0.5 * (df_dx + 1j * df_dy)
    if values.dtype.kind != "c" or np.all(values.imag == 0):
        return 2.0 * df_dzbar
    return df_dzbar + np.conj(df_dz)


def predicted_jax_gradient(f: NumpyFn, z: Any, *, step: float | None = None) -> np.ndarray:
    r"""What ``jax.grad`` returns for :math:`f` at :math:`z`, predicted from the Wirtinger pair
    (JAX is not needed).

    JAX's reverse mode applies the cotangent 1 without conjugating, which gives

    .. math::
        g_{\mathrm{JAX}} = \frac{\partial f}{\partial z} + \frac{\partial \bar f}{\partial z}
            = \frac{\partial u}{\partial x} - i\,\frac{\partial u}{\partial y}
            = \overline{g_{\mathrm{TF}}}, \qquad u = \operatorname{Re} f,

    i.e. :math:`2\,\partial L/\partial z` for a real loss (descend along its conjugate) and
    :math:`f'(z)` for holomorphic :math:`f`. ``jax.grad`` accepts complex-valued :math:`f`
    only with ``holomorphic=True``; it then returns this same formula, the derivative of
    :math:`\operatorname{Re} f`, whether or not :math:`f` is holomorphic.

    References
    ----------
    JAX documentation, "The Autodiff Cookbook", section "Complex numbers and differentiation".
    The test suite checks this prediction against ``jax.grad`` itself.
    """
    return np.conj(predicted_tf_gradient(f, z, step=step))


def _as_complex_tensor(z: Any, name: str) -> Any:
    from mlnotes.tf_env import tf

    if isinstance(z, (tf.Tensor, tf.Variable)):
        z = z.numpy()
    return tf.constant(as_array(z, name, dtype=np.complex128, min_size=1))


def tf_gradient(f: Callable[[Any], Any], z: Any) -> np.ndarray:
    r"""The gradient ``tf.GradientTape`` returns for a TensorFlow function of a complex variable.

    ``z`` becomes a complex128 constant, the tape watches it, and
    ``tape.gradient(f(z), z)`` is returned. For a non-scalar output TensorFlow differentiates
    the sum of the outputs (the backward pass starts from ones), so ``f`` must be elementwise
    or scalar-valued, as in :func:`wirtinger_derivatives`. The result equals
    :func:`predicted_tf_gradient`: :math:`\overline{\partial f/\partial z} + \partial f/\partial \bar z`.

    Parameters
    ----------
    f : callable
        TensorFlow function of a complex128 tensor shaped like ``z``, returning a real or
        complex tensor (``tf.math.conj``, ``lambda z: tf.abs(z) ** 2``).
    z : complex scalar or array_like

    Returns
    -------
    ndarray of complex128, shape of ``z``
        Zeros where ``f`` does not depend on ``z``.

    References
    ----------
    TensorFlow API documentation of ``tf.GradientTape.gradient``; TensorFlow issue 3348.
    """
    from mlnotes.tf_env import tf

    f = check_callable(f, "f")
    zt = _as_complex_tensor(z, "z")
    with tf.GradientTape() as tape:
        tape.watch(zt)
        y = tf.convert_to_tensor(f(zt))
    if not (y.dtype.is_floating or y.dtype.is_complex):
        raise TypeError(f"f must return a float or complex tensor; got dtype {y.dtype.name}")
    check_finite_output(y.numpy(), "f(z)")
    if y.shape.rank != 0 and tuple(y.shape) != tuple(zt.shape):
        raise ValueError(f"f must return a scalar or a tensor of z's shape {tuple(zt.shape)}; "
                         f"got shape {tuple(y.shape)}")
    grad = tape.gradient(y, zt, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    out = grad.numpy().astype(np.complex128)
    if not np.all(np.isfinite(out)):
        raise ValueError("the gradient is NaN or infinite at z "
                         "(a singularity of f, such as 1/z or sqrt(z) at 0)")
    return out


def complex_gradient_descent(
    loss: Callable[[Any], Any],
    w0: Any,
    *,
    learning_rate: float,
    steps: int,
    conjugate_step: bool = False,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""Plain gradient descent on a real loss of complex parameters, with TensorFlow's gradient.

    .. math::
        w_{t+1} = w_t - \eta\, g_t, \qquad
        g_t = \frac{\partial L}{\partial a} + i\,\frac{\partial L}{\partial b}
            = 2\,\frac{\partial L}{\partial \bar w}\Big|_{w_t}, \quad w = a + ib,

    which is ordinary gradient descent on the real and imaginary parts as separate real
    parameters. ``conjugate_step=True`` steps along :math:`\bar g_t` instead, the JAX-convention
    gradient used as if it were TensorFlow's: the imaginary parts then move uphill.

    Parameters
    ----------
    loss : callable
        TensorFlow function of a complex128 variable shaped like ``w0`` returning a real scalar.
    w0 : complex array_like
        Starting point.
    learning_rate : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps.
    conjugate_step : bool, default False
        Step along the conjugate of the gradient (the mistake this chapter warns about).

    Returns
    -------
    w : ndarray of complex128, shape of ``w0``
        The final parameters.
    history : dict[str, ndarray]
        ``history["loss"]``, shape (steps + 1,): the loss at each iterate, the start included
        (the book's training-history convention). It may grow without bound (divergence is
        reported, not raised, so that it can be shown); NaN or inf stops the run early and
        the rest is NaN.

    References
    ----------
    Kreutz-Delgado (2009), arXiv:0906.4835, section 5; PyTorch documentation, "Autograd for
    Complex Numbers" (gradient descent with the conjugate Wirtinger derivative).
    """
    from mlnotes.tf_env import tf

    loss = check_callable(loss, "loss")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    steps = check_int(steps, "steps", low=1)
    conjugate_step = check_bool(conjugate_step, "conjugate_step")
    w = tf.Variable(_as_complex_tensor(w0, "w0"))
    first = tf.convert_to_tensor(loss(w))
    if first.dtype.is_complex or first.shape.rank != 0:
        raise ValueError("loss must return a real scalar (a complex number cannot be minimised); "
                         f"got dtype {first.dtype.name} and shape {tuple(first.shape)}")

    @tf.function
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            value = loss(w)
        grad = tape.gradient(value, w, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        w.assign_sub(tf.cast(learning_rate, tf.complex128) * (tf.math.conj(grad) if conjugate_step else grad))
        return value

    losses = np.full(steps + 1, np.nan)
    for t in range(steps):
        losses[t] = float(step())
        if not np.isfinite(losses[t]):
            return w.numpy(), {"loss": losses}
    losses[steps] = float(tf.convert_to_tensor(loss(w)))
    return w.numpy(), {"loss": losses}
