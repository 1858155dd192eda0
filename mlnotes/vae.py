"""Variational autoencoders: the ELBO's pieces, the reparameterisation trick, a Keras VAE, its
training loop and the baselines that put its numbers in context (Chapter 5).

The four functions are the terms of the evidence lower bound (ELBO) of a VAE with a
diagonal-Gaussian encoder :math:`q(z|x) = N(\\mu(x), \\mathrm{diag}\\,\\sigma^2(x))`:

- ``reparameterize``: a sample :math:`z = \\mu + \\sigma\\varepsilon` that gradients flow through;
- ``kl_to_standard_normal``: :math:`KL(q(z|x)\\,\\|\\,N(0, I))` in closed form;
- ``gaussian_log_likelihood`` and ``bernoulli_log_likelihood``: :math:`\\log p(x|z)` for the two
  usual decoders, computed in log space so that nothing underflows.

Each takes arrays or tensors whose last axis is the event axis and returns one value per
sample (the last axis summed), as a ``tf.Tensor`` so that ``tf.GradientTape`` can
differentiate it. ``VAE`` is a ``keras.Model``; ``train`` fits it with a compiled loop and
returns the history as a ``dict[str, np.ndarray]`` of per-epoch values (the book's
convention); ``elbo_over_seeds`` repeats a training run over seeds. The baselines
(``independent_pixels_log_likelihood``, ``grey_level_entropy_bound``) and
``multiply_adds`` are plain NumPy.

References
----------
Kingma and Welling (2014), "Auto-Encoding Variational Bayes", ICLR; Rezende, Mohamed and
Wierstra (2014), "Stochastic Backpropagation and Approximate Inference in Deep Generative
Models", ICML; Doersch (2016), "Tutorial on Variational Autoencoders", arXiv:1606.05908.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special

from mlnotes._checks import (
    as_array,
    check_callable,
    check_choice,
    check_int,
    check_positive_ints,
    check_real,
    check_same_length,
    check_seed,
)
from mlnotes.networks import make_mlp
from mlnotes.tf_env import keras, tf

__all__ = [
    "VAE",
    "bernoulli_log_likelihood",
    "elbo_over_seeds",
    "gaussian_log_likelihood",
    "grey_level_entropy_bound",
    "independent_pixels_log_likelihood",
    "keras_example_vae",
    "kl_to_standard_normal",
    "multiply_adds",
    "plot_reparameterization_graph",
    "reparameterize",
    "train",
]

_LOG_2PI = math.log(2.0 * math.pi)
_LOG_VAR_SCALE = 10.0
_FLOATS = (tf.float16, tf.float32, tf.float64)


def _checked(value: Any, name: str, dtype: tf.DType | None = None, *, min_ndim: int = 1) -> tf.Tensor:
    """Validate ``value`` (numeric, finite, at least ``min_ndim``-D, a non-empty last axis)
    and return it as a tensor.

    Tensors and variables are returned as they are (cast to ``dtype`` if given), so that a
    surrounding ``GradientTape`` still sees them; their values are checked when eager.
    NumPy input keeps float32 as float32 and becomes float64 otherwise.
    """
    if isinstance(value, (tf.Tensor, tf.Variable)):
        tensor = tf.convert_to_tensor(value)
        if tensor.dtype not in _FLOATS:
            raise TypeError(f"{name} must be a floating-point tensor; got dtype {tensor.dtype.name}")
        if tensor.shape.rank is not None and tensor.shape.rank < min_ndim:
            raise ValueError(f"{name} must have at least {min_ndim} dimension(s); "
                             f"got shape {tuple(tensor.shape)}")
        if tf.executing_eagerly():
            as_array(tensor.numpy(), name, dtype=tensor.dtype.as_numpy_dtype)
    else:
        is32 = getattr(value, "dtype", None) == np.float32
        arr = as_array(value, name, ndim=range(min_ndim, 33), dtype=np.float32 if is32 else np.float64)
        tensor = tf.convert_to_tensor(arr)
    if min_ndim >= 1 and tensor.shape.rank and tensor.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry along its last (event) axis; "
                         f"got shape {tuple(tensor.shape)}")
    return tensor if dtype is None else tf.cast(tensor, dtype)


def _same_shape(a: tf.Tensor, b: tf.Tensor, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_b} must have the same shape as {name_a}, {tuple(a.shape)}; "
                         f"got {tuple(b.shape)}")


def reparameterize(mean: Any, log_var: Any, eps: Any) -> tf.Tensor:
    r"""A sample of :math:`N(\mu, \mathrm{diag}\,\sigma^2)` written as a function of its parameters.

    .. math:: z = \mu + \exp(\tfrac12 \log\sigma^2) \odot \varepsilon,
              \qquad \varepsilon \sim N(0, I).

    The randomness sits in ``eps``, which does not depend on the parameters, so
    :math:`\partial z/\partial\mu = 1` and
    :math:`\partial z/\partial \log\sigma^2 = \tfrac12\sigma\varepsilon`: gradients of any
    function of ``z`` reach the encoder that produced ``mean`` and ``log_var``.

    Where ``eps`` is exactly 0 the sample is ``mean`` whatever the variance (no
    :math:`0 \cdot \infty`). When :math:`\sigma\varepsilon` overflows (``log_var`` above
    about 1400 in float64, 170 in float32) an eager call raises ``ValueError``.

    Parameters
    ----------
    mean, log_var, eps : array_like or tf.Tensor, shape (..., d)
        The same shape, finite. ``eps`` is standard normal noise supplied by the caller (so
        the function is deterministic and testable).

    Returns
    -------
    tf.Tensor, shape (..., d)
        In ``mean``'s dtype.

    References
    ----------
    Kingma and Welling (2014), section 2.4; Rezende, Mohamed and Wierstra (2014), section 3.
    """
    mean = _checked(mean, "mean")
    log_var = _checked(log_var, "log_var", mean.dtype)
    eps = _checked(eps, "eps", mean.dtype)
    _same_shape(mean, log_var, "mean", "log_var")
    _same_shape(mean, eps, "mean", "eps")
    step = tf.where(eps == 0, tf.zeros_like(eps), tf.exp(0.5 * log_var) * eps)
    z = mean + step
    if tf.executing_eagerly() and not np.all(np.isfinite(z.numpy())):
        raise ValueError(f"log_var must be small enough that exp(log_var / 2) * eps is finite; "
                         f"got log_var up to {float(tf.reduce_max(log_var)):.4g}, which overflows")
    return z


def kl_to_standard_normal(mean: Any, log_var: Any) -> tf.Tensor:
    r""":math:`KL\bigl(N(\mu, \mathrm{diag}\,\sigma^2)\,\|\,N(0, I)\bigr)`, one value per sample.

    .. math:: KL = \tfrac12 \sum_j \bigl(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\bigr)
                 = \tfrac12 \sum_j \bigl(\mu_j^2 + \operatorname{expm1}(t_j) - t_j\bigr),
                 \quad t_j = \log\sigma_j^2.

    Near the prior (:math:`t \to 0`) the term :math:`e^t - 1 - t \approx t^2/2` is a
    difference of nearly equal numbers. Written as ``exp(t) - 1 - t`` it inherits the
    rounding error of ``exp(t)``, about :math:`\epsilon` in absolute terms, so its relative
    error is about :math:`2\epsilon/t^2` (4% at :math:`t = 10^{-7}` in float64). ``expm1``
    is accurate relative to its own value :math:`\approx t`, which leaves an absolute error of
    about :math:`\epsilon |t|` and a relative error of about :math:`2\epsilon/|t|` (measured:
    about :math:`10^{-9}` at :math:`t = 10^{-7}`): much better, not full precision. Values
    whose KL overflows (``log_var`` above about 709 in float64) come out as ``inf``.

    Parameters
    ----------
    mean, log_var : array_like or tf.Tensor, shape (..., d)
        The same shape, finite; the last axis is the latent dimension.

    Returns
    -------
    tf.Tensor, shape (...)
        Non-negative, in nats.

    References
    ----------
    Kingma and Welling (2014), appendix B; Higham (2002), "Accuracy and Stability of
    Numerical Algorithms", section 1.14 (``expm1``).
    """
    mean = _checked(mean, "mean")
    log_var = _checked(log_var, "log_var", mean.dtype)
    _same_shape(mean, log_var, "mean", "log_var")
    return _kl(mean, log_var)


def _kl(mean: tf.Tensor, log_var: tf.Tensor) -> tf.Tensor:
    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.math.expm1(log_var) - log_var, axis=-1)


def gaussian_log_likelihood(x: Any, mean: Any, log_var: Any) -> tf.Tensor:
    r""":math:`\log N(x; \mu, \mathrm{diag}\,\sigma^2)`, summed over the last axis.

    .. math:: \log p(x) = -\tfrac12 \sum_j \Bigl(\log 2\pi + \log\sigma_j^2
              + \frac{(x_j - \mu_j)^2}{\sigma_j^2}\Bigr).

    Computed as a sum of logs, never as the log of a product of densities: in 784
    dimensions the density itself is far below the smallest float64 (about 1e-308) and
    would be 0, while this sum is an ordinary number of a few hundred or thousand nats.
    A pixel with :math:`x_j = \mu_j` contributes no squared term even when
    :math:`1/\sigma_j^2` overflows (``log_var = -800`` gives 399.08 for one pixel, not
    NaN); the result is ``-inf`` only where the exact value lies beyond the float range.

    Parameters
    ----------
    x, mean : array_like or tf.Tensor, shape (..., d)
        The same shape, finite.
    log_var : array_like or tf.Tensor
        :math:`\log\sigma^2`, finite; any shape that broadcasts to ``x``'s (a scalar for a
        fixed variance, shape (d,) for one learned variance per pixel, or ``x``'s shape).

    Returns
    -------
    tf.Tensor, shape (...)

    References
    ----------
    ``scipy.stats.norm.logpdf`` (summed); Bishop (2006), "Pattern Recognition and Machine
    Learning", section 2.3.
    """
    x = _checked(x, "x")
    mean = _checked(mean, "mean", x.dtype)
    log_var = _checked(log_var, "log_var", x.dtype, min_ndim=0)
    _same_shape(x, mean, "x", "mean")
    try:
        fits = np.broadcast_shapes(tuple(log_var.shape), tuple(x.shape)) == tuple(x.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"log_var must broadcast to x's shape {tuple(x.shape)}; got {tuple(log_var.shape)}")
    return _gaussian_ll(x, mean, log_var)


def _gaussian_ll(x: tf.Tensor, mean: tf.Tensor, log_var: tf.Tensor) -> tf.Tensor:
    diff = x - mean
    # an exact fit contributes 0 even where exp(-log_var) overflows (0 * inf would be NaN)
    sq = tf.where(diff == 0, tf.zeros_like(diff), tf.square(diff) * tf.exp(-log_var))
    per_dim = _LOG_2PI + log_var + sq  # broadcasts a shared log_var to x's shape
    return -0.5 * tf.reduce_sum(per_dim, axis=-1)


def bernoulli_log_likelihood(x: Any, logits: Any) -> tf.Tensor:
    r""":math:`\sum_j \log \mathrm{Bernoulli}(x_j; \sigma(\ell_j))` from logits :math:`\ell`.

    .. math:: \log p(x) = \sum_j \bigl(x_j \ell_j - \operatorname{softplus}(\ell_j)\bigr)
              = -\sum_j \operatorname{BCE}_\text{logits}(x_j, \ell_j).

    Computed with ``tf.nn.sigmoid_cross_entropy_with_logits``, which evaluates
    :math:`\max(\ell, 0) - \ell x + \log(1 + e^{-|\ell|})`: finite for logits of any size
    (at :math:`\ell = \pm 10^4` it gives 0 or :math:`-10^4` per pixel), whereas
    ``log(sigmoid(l))`` underflows to ``log(0) = -inf``. ``x`` may be any value in [0, 1]
    (grey levels), which is the usual "binary cross-entropy" reconstruction loss.

    Parameters
    ----------
    x : array_like or tf.Tensor, shape (..., d)
        Values in [0, 1].
    logits : array_like or tf.Tensor, shape (..., d)
        Finite.

    Returns
    -------
    tf.Tensor, shape (...)

    References
    ----------
    ``scipy.stats.bernoulli.logpmf`` (summed); TensorFlow API docs,
    ``tf.nn.sigmoid_cross_entropy_with_logits``.
    """
    x = _checked(x, "x")
    logits = _checked(logits, "logits", x.dtype)
    _same_shape(x, logits, "x", "logits")
    if tf.executing_eagerly():
        _check_unit_interval(x.numpy(), "x")
    return _bernoulli_ll(x, logits)


def _bernoulli_ll(x: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    labels = tf.broadcast_to(x, tf.shape(logits))
    return -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=-1)


def _check_unit_interval(x: np.ndarray, name: str) -> None:
    if x.size and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(f"{name} must lie in [0, 1] for a Bernoulli decoder; "
                         f"got values in [{x.min():.4g}, {x.max():.4g}]")


def _check_network(network: Any, name: str, n_in: int, n_out: int) -> keras.Model:
    """Refuse a user network that is not a Keras model mapping (n, n_in) to (n, n_out)."""
    if not isinstance(network, keras.Model):
        raise TypeError(f"{name} must be a keras.Model; got {type(network).__name__}")
    try:
        shape = tuple(network(np.zeros((2, n_in), np.float32)).shape)
    except Exception as exc:  # the network cannot take this input at all
        raise ValueError(f"{name} must accept inputs of shape (n, {n_in}); "
                         f"calling it failed: {exc}") from None
    if shape != (2, n_out):
        raise ValueError(f"{name} must map shape (n, {n_in}) to (n, {n_out}); got (2, {n_in}) -> {shape}")
    return network


class VAE(keras.Model):
    r"""A variational autoencoder for flat inputs, trained on the negative ELBO.

    Generative model :math:`p(z) = N(0, I)`, :math:`p(x|z)` Bernoulli with logits
    :math:`f(z)` or Gaussian :math:`N(\mathrm{sigmoid}(f(z)), \mathrm{diag}\,\sigma^2)`;
    encoder :math:`q(z|x) = N(\mu(x), \mathrm{diag}\,\sigma^2(x))`, one diagonal Gaussian per
    input. Training maximises the ELBO, estimated with one reparameterised sample per input:

    .. math:: \mathrm{ELBO}(x) = E_{q(z|x)}[\log p(x|z)] - KL(q(z|x)\,\|\,p(z)) \le \log p(x).

    Train it with :func:`train` (a compiled loop; history as a dict of per-epoch arrays)
    or with Keras' ``fit`` (which returns a ``keras.callbacks.History``).

    Parameters
    ----------
    input_dim : int, default 64
        Length of each (flattened) input, 64 for 8x8 digits.
    latent_dim : int, default 2
    hidden : sequence of int, default (256, 128)
        Widths of the ReLU layers of the default MLP encoder (``networks.make_mlp``); the
        decoder mirrors them. Empty gives linear networks.
    decoder : {"bernoulli", "gaussian"}
    decoder_variance : "learned" or float, default "learned"
        Gaussian decoder only: one learned variance per pixel (a trainable vector, bounded
        below by ``min_variance``), or a fixed :math:`\sigma^2 > 0`.
    min_variance : float, default 1e-3
        Floor of a learned variance. Pixels that are constant in the data (the blank
        border of the digits) would otherwise drive :math:`\sigma^2 \to 0` and the
        likelihood to infinity (Lucas et al. 2019; Rybkin et al. 2021).
    encoder_network, decoder_network : keras.Model, optional
        Replace the MLPs: ``(n, input_dim) -> (n, 2 * latent_dim)`` (means, then
        log-variances) and ``(n, latent_dim) -> (n, input_dim)`` (logits or pre-sigmoid means).
    seed : int, default 0
        Seeds the weight initialisation and the training noise.

    References
    ----------
    Kingma and Welling (2014); Rezende, Mohamed and Wierstra (2014); Keras guide
    "Customizing what happens in fit()".
    """

    def __init__(
        self,
        input_dim: int = 64,
        latent_dim: int = 2,
        hidden: Sequence[int] = (256, 128),
        *,
        decoder: str = "bernoulli",
        decoder_variance: str | float = "learned",
        min_variance: float = 1e-3,
        encoder_network: keras.Model | None = None,
        decoder_network: keras.Model | None = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim = check_int(input_dim, "input_dim", low=1)
        self.latent_dim = check_int(latent_dim, "latent_dim", low=1)
        widths = check_positive_ints(hidden, "hidden", min_len=0)
        self.decoder_kind = check_choice(decoder, "decoder", ("bernoulli", "gaussian"))
        seed = check_seed(seed, "seed")
        self.min_log_var = math.log(check_real(min_variance, "min_variance", low=0.0, low_open=True))
        if isinstance(decoder_variance, str):
            check_choice(decoder_variance, "decoder_variance", ("learned",))
            self.fixed_log_var = None
        else:
            variance = check_real(decoder_variance, "decoder_variance", low=0.0, low_open=True)
            if self.decoder_kind == "bernoulli":
                raise ValueError(f"decoder_variance applies only to decoder='gaussian'; got "
                                 f"decoder_variance={variance} with decoder='bernoulli'")
            self.fixed_log_var = math.log(variance)
        if encoder_network is None:
            encoder_network = make_mlp(self.input_dim, 2 * self.latent_dim, widths, "relu", seed,
                                       name="encoder")
        if decoder_network is None:
            decoder_network = make_mlp(self.latent_dim, self.input_dim, widths[::-1], "relu", seed + 50,
                                       name="decoder")
        self.encoder = _check_network(encoder_network, "encoder_network", self.input_dim, 2 * self.latent_dim)
        self.decoder = _check_network(decoder_network, "decoder_network", self.latent_dim, self.input_dim)
        if self.decoder_kind == "gaussian" and self.fixed_log_var is None:
            # log sigma^2 = _LOG_VAR_SCALE * raw, starting at sigma^2 = 0.1 (the data's variance scale).
            # Adam moves a weight by about the learning rate per step; the scale lets the
            # log-variance travel the few units it needs within a short training run.
            self.raw_log_var = self.add_weight(
                shape=(self.input_dim,), name="decoder_log_var",
                initializer=keras.initializers.Constant(math.log(0.1) / _LOG_VAR_SCALE))
        self.noise = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        # compiled training loops of `train`, kept out of Keras' attribute tracking
        object.__setattr__(self, "_trainers", {})

    # ------------------------------------------------------------------ the pieces
    def encode(self, x: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """Mean and log-variance of :math:`q(z|x)`, each of shape (n, latent_dim)."""
        out = self.encoder(self._inputs(x))
        return out[:, : self.latent_dim], out[:, self.latent_dim:]

    def decoder_log_var(self) -> tf.Tensor | None:
        """:math:`\\log\\sigma^2` of the Gaussian decoder, shape (input_dim,) or scalar; None if Bernoulli."""
        if self.decoder_kind == "bernoulli":
            return None
        if self.fixed_log_var is not None:
            return tf.constant(self.fixed_log_var, tf.float32)
        return tf.maximum(_LOG_VAR_SCALE * self.raw_log_var, self.min_log_var)

    def decode(self, z: Any) -> tf.Tensor:
        """The decoder's mean image :math:`E[x|z]`, shape (n, input_dim), values in (0, 1)."""
        z = _checked(z, "z", tf.float32)
        if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}); got {tuple(z.shape)}")
        return tf.sigmoid(self.decoder(z))

    def call(self, x: Any, training: bool = False) -> tf.Tensor:
        """Reconstruction from the posterior mean: ``decode(encode(x)[0])``."""
        return tf.sigmoid(self.decoder(self.encode(x)[0], training=training))

    def _inputs(self, x: Any) -> tf.Tensor:
        x = _checked(x, "x", tf.float32)
        if x.shape.rank != 2 or x.shape[-1] != self.input_dim:
            raise ValueError(f"x must have shape (n, {self.input_dim}); got {tuple(x.shape)}")
        return x

    def _codes(self, mean: tf.Tensor, log_var: tf.Tensor, n_samples: int) -> tf.Tensor:
        """``n_samples`` reparameterised draws from each :math:`q(z|x)`, shape (K, n, k)."""
        shape = tf.concat([[n_samples], tf.shape(mean)], axis=0)
        return mean + tf.exp(0.5 * log_var) * keras.random.normal(shape, seed=self.noise)

    def _decoder_log_lik(self, x: tf.Tensor, z: tf.Tensor) -> tf.Tensor:
        """:math:`\\log p(x|z)` for codes ``z`` of shape (K, n, k): shape (K, n)."""
        out = self.decoder(tf.reshape(z, (-1, self.latent_dim)))
        out = tf.reshape(out, tf.concat([tf.shape(z)[:2], [self.input_dim]], axis=0))
        if self.decoder_kind == "bernoulli":
            return _bernoulli_ll(x, out)
        return _gaussian_ll(x, tf.sigmoid(out), self.decoder_log_var())

    def _elbo_terms(self, x: tf.Tensor, n_samples: int = 1) -> tuple[tf.Tensor, tf.Tensor]:
        """(reconstruction term, KL) per input; the expectation estimated with ``n_samples`` codes."""
        mean, log_var = self.encode(x)
        log_lik = self._decoder_log_lik(x, self._codes(mean, log_var, n_samples))
        return tf.reduce_mean(log_lik, axis=0), _kl(mean, log_var)

    def _check_data(self, x: Any, name: str = "x") -> np.ndarray:
        arr = as_array(x, name, ndim=2, dtype=np.float32, min_size=1)
        if arr.shape[1] != self.input_dim:
            raise ValueError(f"{name} must have shape (n, {self.input_dim}); got {arr.shape}")
        if self.decoder_kind == "bernoulli":
            _check_unit_interval(arr, name)
        return arr

    def elbo_parts(self, x: Any, n_samples: int = 1) -> dict[str, np.ndarray]:
        """The ELBO of each input and its two terms, in nats, each of shape (n,).

        Keys: ``"reconstruction"`` (:math:`E_q[\\log p(x|z)]`, estimated with ``n_samples``
        codes per input), ``"kl"`` (:math:`KL(q(z|x)\\,\\|\\,p(z))`, exact) and ``"elbo"``
        (their difference).
        """
        arr = self._check_data(x)
        n_samples = check_int(n_samples, "n_samples", low=1)
        terms = self._elbo_terms(tf.constant(arr), n_samples)
        reconstruction, kl = (t.numpy().astype(np.float64) for t in terms)
        return {"elbo": reconstruction - kl, "reconstruction": reconstruction, "kl": kl}

    def elbo(self, x: Any, n_samples: int = 1) -> np.ndarray:
        """The ELBO of each input in nats, shape (n,), averaged over ``n_samples`` draws of z.

        A lower bound on :math:`\\log p(x)`; higher is better. The draws come from the
        model's seeded noise generator, so a fixed sequence of calls is reproducible.
        """
        return self.elbo_parts(x, n_samples)["elbo"]

    def log_likelihood_estimate(self, x: Any, n_samples: int = 100) -> np.ndarray:
        r"""Importance-weighted bound on :math:`\log p(x)` per input, shape (n,), in nats.

        .. math:: \mathcal L_K(x) = \log \frac1K \sum_{k=1}^K
                  \frac{p(x|z_k)\,p(z_k)}{q(z_k|x)}, \qquad z_k \sim q(z|x),

        computed with log-sum-exp. :math:`E[\mathcal L_K]` is a lower bound on
        :math:`\log p(x)`; it equals the ELBO for :math:`K = 1`, never decreases with
        :math:`K` and tends to :math:`\log p(x)` (Burda, Grosse and Salakhutdinov 2016,
        "Importance Weighted Autoencoders", ICLR).
        """
        arr = self._check_data(x)
        n_samples = check_int(n_samples, "n_samples", low=1)
        x = tf.constant(arr)
        mean, log_var = self.encode(x)
        z = self._codes(mean, log_var, n_samples)
        log_prior = _gaussian_ll(z, tf.zeros_like(z), tf.zeros_like(z))
        log_weights = self._decoder_log_lik(x, z) + log_prior - _gaussian_ll(z, mean, log_var)
        log_mean = tf.reduce_logsumexp(log_weights, axis=0) - math.log(n_samples)
        return log_mean.numpy().astype(np.float64)

    def sample(self, n: int) -> np.ndarray:
        """``n`` new images, shape (n, input_dim): decoder means at codes :math:`z \\sim N(0, I)`."""
        n = check_int(n, "n", low=1)
        z = keras.random.normal((n, self.latent_dim), seed=self.noise)
        return self.decode(z).numpy()

    # ------------------------------------------------------------------ Keras training
    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [self.loss_tracker, self.kl_tracker]

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            reconstruction, kl = self._elbo_terms(tf.cast(x, tf.float32))
            loss = tf.reduce_mean(kl - reconstruction)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        self.loss_tracker.update_state(loss)
        self.kl_tracker.update_state(tf.reduce_mean(kl))
        return {"loss": self.loss_tracker.result(), "kl": self.kl_tracker.result()}

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        reconstruction, kl = self._elbo_terms(tf.cast(x, tf.float32))
        self.loss_tracker.update_state(tf.reduce_mean(kl - reconstruction))
        self.kl_tracker.update_state(tf.reduce_mean(kl))
        return {"loss": self.loss_tracker.result(), "kl": self.kl_tracker.result()}

    def fit(self, x: Any = None, *args: Any, **kwargs: Any) -> keras.callbacks.History:
        """``keras.Model.fit`` on an array ``x`` of shape (n, input_dim), checked first.

        Compiles with Adam (learning rate 1e-3) if the model is not compiled yet. Returns
        Keras' ``History``; :func:`train` is the faster loop the book uses.
        """
        arr = self._check_data(x)
        if not self.compiled:
            self.compile(optimizer=keras.optimizers.Adam(1e-3))
        return super().fit(arr, *args, **kwargs)


# ---------------------------------------------------------------------- training
class _Trainer:
    """Adam and one compiled epoch (a graph loop over the mini-batches) for one VAE."""

    def __init__(self, model: VAE, batch_size: int, learning_rate: float) -> None:
        self.model = model
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.optimizer.build(model.trainable_weights)
        self.initial_state = [v.numpy() for v in self.optimizer.variables]
        self.batch_size = batch_size
        self.epoch = tf.function(self._epoch)

    def reset(self) -> None:
        """Forget Adam's moments and step count (a fresh optimizer without retracing)."""
        for variable, value in zip(self.optimizer.variables, self.initial_state, strict=True):
            variable.assign(value)

    def _epoch(self, x: tf.Tensor, order: tf.Tensor, x_val: tf.Tensor | None) -> tf.Tensor:
        model, size = self.model, self.batch_size
        n = tf.shape(x)[0]
        totals = tf.zeros(3)
        for start in tf.range(0, n, size):
            batch = tf.gather(x, order[start:start + size])
            with tf.GradientTape() as tape:
                reconstruction, kl = model._elbo_terms(batch)
                loss = tf.reduce_mean(kl - reconstruction)
            grads = tape.gradient(loss, model.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, model.trainable_weights, strict=True))
            count = tf.cast(tf.shape(batch)[0], tf.float32)
            totals += count * tf.stack([loss, tf.reduce_mean(kl), tf.reduce_mean(reconstruction)])
        out = totals / tf.cast(n, tf.float32)
        if x_val is None:
            return out
        reconstruction, kl = model._elbo_terms(x_val)
        return tf.concat([out, [tf.reduce_mean(reconstruction - kl)]], axis=0)


def _trainer(model: VAE, batch_size: int, learning_rate: float) -> _Trainer:
    key = (batch_size, learning_rate)
    if key not in model._trainers:
        model._trainers[key] = _Trainer(model, batch_size, learning_rate)
    return model._trainers[key]


def train(
    model: VAE,
    x: Any,
    *,
    epochs: int,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    seed: int = 0,
    x_val: Any = None,
) -> dict[str, np.ndarray]:
    r"""Train ``model`` with Adam on the negative ELBO (one code per input), epoch by epoch.

    Each epoch shuffles ``x`` (a permutation seeded by ``seed`` and the epoch number) and
    takes one Adam step per mini-batch of ``batch_size`` rows (the last may be smaller),
    minimising :math:`-\frac1B\sum_i \mathrm{ELBO}(x_i)` with the reparameterised estimate of
    the model. The whole epoch is one compiled TensorFlow graph, traced once per model,
    batch size and learning rate; calling ``train`` again continues from the current
    weights and Adam state, like ``fit``.

    Parameters
    ----------
    model : VAE
    x : array_like, shape (n, input_dim)
        Training data (values in [0, 1] for a Bernoulli decoder).
    epochs : int
        Passes over ``x``, at least 1; the number of Adam steps is
        ``epochs * ceil(n / batch_size)``.
    batch_size : int, default 64
    learning_rate : float, default 1e-3
    seed : int, default 0
        Seeds the shuffling (the model's own generator draws the codes).
    x_val : array_like, shape (m, input_dim), optional
        Held-out data whose ELBO (one code per input) is recorded after each epoch.

    Returns
    -------
    dict[str, np.ndarray]
        Per-epoch values, each of shape (epochs,): ``"loss"`` (mean negative ELBO over the
        epoch's mini-batches, in nats per input, while the weights change), ``"kl"`` and
        ``"reconstruction"`` (its two terms, so loss = kl - reconstruction), and
        ``"val_elbo"`` when ``x_val`` is given.

    References
    ----------
    Kingma and Ba (2015), "Adam: A Method for Stochastic Optimization", ICLR; TensorFlow
    guide "Better performance with tf.function".
    """
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a mlnotes.vae.VAE; got {type(model).__name__}")
    arr = model._check_data(x)
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    seed = check_seed(seed, "seed")
    val = None if x_val is None else tf.constant(model._check_data(x_val, "x_val"))
    trainer = _trainer(model, batch_size, learning_rate)
    data = tf.constant(arr)
    rng = np.random.default_rng(seed)
    rows = [trainer.epoch(data, tf.constant(rng.permutation(len(arr)), tf.int32), val).numpy()
            for _ in range(epochs)]
    values = np.asarray(rows, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise FloatingPointError(f"training diverged: non-finite loss in epoch "
                                 f"{int(np.argmax(~np.isfinite(values).all(axis=1))) + 1}; "
                                 f"lower learning_rate (got {learning_rate})")
    names = ["loss", "kl", "reconstruction", "val_elbo"][: values.shape[1]]
    return {name: values[:, i] for i, name in enumerate(names)}


def elbo_over_seeds(
    build: Callable[[int], VAE],
    x_train: Any,
    x_test: Any,
    *,
    seeds: Sequence[int],
    epochs: int,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    n_samples: int = 10,
) -> np.ndarray:
    """The mean test ELBO after training one architecture from several seeds, shape (len(seeds),).

    For each seed ``s``: the model ``build(s)`` (its initial weights and noise), trained
    with :func:`train` (``seed=s``), evaluated with ``elbo(x_test, n_samples).mean()``. The
    runs reuse one model object and its compiled training loop (weights, noise state and
    Adam's moments are reset from ``build(s)`` for each seed), which gives the same numbers
    as separate models without tracing the loop again.

    Parameters
    ----------
    build : callable
        ``build(seed)`` returns a new, untrained :class:`VAE`; the same architecture for
        every seed.
    x_train, x_test : array_like, shape (n, input_dim) and (m, input_dim)
    seeds : sequence of int
        Non-negative, at least one.
    epochs, batch_size, learning_rate
        As in :func:`train`.
    n_samples : int, default 10
        Codes per test input in the ELBO estimate.

    Returns
    -------
    np.ndarray, shape (len(seeds),)
        Mean test ELBO per seed, in nats per input.
    """
    build = check_callable(build, "build")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Sequence, np.ndarray)) or len(seeds) == 0:
        raise TypeError(f"seeds must be a non-empty sequence of non-negative integers; got {seeds!r}")
    seeds = [check_seed(s, "seeds[i]") for s in seeds]
    n_samples = check_int(n_samples, "n_samples", low=1)
    model = None
    results = []
    for seed in seeds:
        fresh = build(seed)
        if not isinstance(fresh, VAE):
            raise TypeError(f"build(seed) must return a mlnotes.vae.VAE; got {type(fresh).__name__}")
        if model is None:
            model = fresh
        else:
            if [w.shape for w in fresh.weights] != [w.shape for w in model.weights]:
                raise ValueError("build(seed) must return the same architecture for every seed")
            model.set_weights(fresh.get_weights())
            model.noise.state.assign(fresh.noise.state.value)
            for trainer in model._trainers.values():
                trainer.reset()
        train(model, x_train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed)
        results.append(model.elbo(x_test, n_samples).mean())
    return np.asarray(results)


def keras_example_vae(latent_dim: int = 2, *, seed: int = 0) -> VAE:
    """The keras-io VAE example's architecture, scaled from 28x28 to 8x8 images, Bernoulli decoder.

    Encoder: 8x8x1 -> Conv 32 (3x3, stride 2, ReLU) -> 4x4x32 -> Conv 64 (3x3, stride 2,
    ReLU) -> 2x2x64 -> Dense 16 (ReLU) -> means and log-variances. Decoder: Dense 2x2x64
    (ReLU) -> ConvTranspose 64 and 32 (3x3, stride 2, ReLU) -> 8x8 -> ConvTranspose 1
    (3x3) logits. Input and output are flat vectors of 64, like ``VAE``'s.

    References
    ----------
    F. Chollet, "Variational AutoEncoder", keras.io code example (2020), which uses 28x28
    MNIST and the same layer widths.
    """
    latent_dim = check_int(latent_dim, "latent_dim", low=1)
    seed = check_seed(seed, "seed")
    init = iter(keras.initializers.GlorotUniform(seed + i) for i in range(10))
    conv = dict(kernel_size=3, strides=2, padding="same", activation="relu")
    encoder = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Reshape((8, 8, 1)),
        keras.layers.Conv2D(32, kernel_initializer=next(init), **conv),
        keras.layers.Conv2D(64, kernel_initializer=next(init), **conv),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu", kernel_initializer=next(init)),
        keras.layers.Dense(2 * latent_dim, kernel_initializer=next(init)),
    ], name="conv_encoder")
    decoder = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        keras.layers.Dense(2 * 2 * 64, activation="relu", kernel_initializer=next(init)),
        keras.layers.Reshape((2, 2, 64)),
        keras.layers.Conv2DTranspose(64, kernel_initializer=next(init), **conv),
        keras.layers.Conv2DTranspose(32, kernel_initializer=next(init), **conv),
        keras.layers.Conv2DTranspose(1, 3, padding="same", kernel_initializer=next(init)),
        keras.layers.Flatten(),
    ], name="conv_decoder")
    return VAE(64, latent_dim, decoder="bernoulli", encoder_network=encoder, decoder_network=decoder,
               seed=seed)


def multiply_adds(network: keras.Model) -> int:
    r"""Multiply-adds of one forward pass for one input, counted from the layers' shapes.

    ``Dense`` (:math:`n_\text{in} \to n_\text{out}`): :math:`n_\text{in} n_\text{out}`.
    ``Conv2D`` with a :math:`k_h \times k_w` kernel, :math:`c_\text{in} \to c_\text{out}`
    channels and an :math:`H_\text{out} \times W_\text{out}` output:
    :math:`H_\text{out} W_\text{out} k_h k_w c_\text{in} c_\text{out}` (each output position
    applies the whole kernel; zero padding counted). ``Conv2DTranspose``: the same with the
    *input* size, :math:`H_\text{in} W_\text{in} k_h k_w c_\text{in} c_\text{out}` (each input
    position scatters the whole kernel). Biases and activations (one operation per output)
    are not counted; layers without weights (``Reshape``, ``Flatten``) cost nothing. A
    backward pass costs about twice the forward one, so a training step costs about three
    times this per input. For a :class:`VAE`, encoder plus decoder.

    Parameters
    ----------
    network : keras.Model or VAE
        Built, with layers ``Dense``, ``Conv2D``, ``Conv2DTranspose`` and weightless ones
        (nested models are descended into).

    Returns
    -------
    int

    References
    ----------
    Dumoulin and Visin (2016), "A guide to convolution arithmetic for deep learning",
    arXiv:1603.07285 (output sizes; transposed convolution as the adjoint of a convolution).
    """
    if isinstance(network, VAE):
        return multiply_adds(network.encoder) + multiply_adds(network.decoder)
    if not isinstance(network, keras.Model):
        raise TypeError(f"network must be a keras.Model; got {type(network).__name__}")
    total = 0
    for layer in network.layers:
        if isinstance(layer, keras.Model):
            total += multiply_adds(layer)
        elif isinstance(layer, keras.layers.Dense):
            total += int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, _ = layer.input.shape
            total += height * width * int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            total += height * width * int(np.prod(layer.kernel.shape))
        elif layer.weights:
            raise ValueError(f"network must contain only Dense, Conv2D and Conv2DTranspose layers with "
                             f"weights; got {type(layer).__name__} ({layer.name})")
    return total


# ---------------------------------------------------------------------- baselines
def independent_pixels_log_likelihood(
    x_train: Any,
    x_test: Any,
    *,
    decoder: str = "bernoulli",
    y_train: Any = None,
    y_test: Any = None,
    pseudo_count: float = 0.5,
    variance: str | float = "learned",
    min_variance: float = 1e-3,
) -> np.ndarray:
    r"""Log-likelihood of each test input under the best model with no latent code: independent pixels.

    Fitted by maximum likelihood on ``x_train`` (per class when labels are given), then
    evaluated on ``x_test``, in the same units as a VAE's ELBO with the same decoder:

    - ``"bernoulli"``: :math:`p_j = (\sum_n x_{nj} + a)/(N + 2a)` (``a = pseudo_count``,
      keeping :math:`p_j` off 0 and 1), :math:`\log p(x) = \sum_j x_j\log p_j +
      (1-x_j)\log(1-p_j)`, grey levels allowed as in :func:`bernoulli_log_likelihood`;
    - ``"gaussian"``: :math:`\log p(x) = \sum_j \log N(x_j; m_j, v_j)` with the pixel means
      :math:`m_j` and variances :math:`v_j` = the pixel variances floored at
      ``min_variance`` (``variance="learned"``) or a fixed value.

    A VAE whose code carries no information about :math:`x` (posterior collapse) can do no
    better than this; the label-conditional version shows what about 2.3 nats of
    information (the digit's identity) are worth.

    Parameters
    ----------
    x_train, x_test : array_like, shapes (n, d) and (m, d)
        Finite; in [0, 1] for the Bernoulli model.
    decoder : {"bernoulli", "gaussian"}
    y_train, y_test : array_like of int, shapes (n,) and (m,), optional
        Labels; both or neither. Every label in ``y_test`` must occur in ``y_train``.
    pseudo_count : float, default 0.5
        :math:`a > 0` (0.5 is the Krichevsky-Trofimov estimator).
    variance : "learned" or float, default "learned"
    min_variance : float, default 1e-3
        As in :class:`VAE`.

    Returns
    -------
    np.ndarray, shape (m,)
        In nats per test input.

    References
    ----------
    Bishop (2006), "Pattern Recognition and Machine Learning", sections 2.1 and 2.3
    (maximum likelihood for Bernoulli and Gaussian variables); ``scipy.stats.bernoulli``,
    ``scipy.stats.norm``.
    """
    decoder = check_choice(decoder, "decoder", ("bernoulli", "gaussian"))
    train_arr = as_array(x_train, "x_train", ndim=2, min_size=1)
    test_arr = as_array(x_test, "x_test", ndim=2, min_size=1)
    if test_arr.shape[1] != train_arr.shape[1]:
        raise ValueError(f"x_test must have shape (m, {train_arr.shape[1]}), as many columns as x_train; "
                         f"got {test_arr.shape}")
    pseudo_count = check_real(pseudo_count, "pseudo_count", low=0.0, low_open=True)
    min_variance = check_real(min_variance, "min_variance", low=0.0, low_open=True)
    if isinstance(variance, str):
        check_choice(variance, "variance", ("learned",))
    else:
        variance = check_real(variance, "variance", low=0.0, low_open=True)
        if decoder == "bernoulli":
            raise ValueError(f"variance applies only to decoder='gaussian'; got variance={variance}")
    if decoder == "bernoulli":
        _check_unit_interval(train_arr, "x_train")
        _check_unit_interval(test_arr, "x_test")
    if (y_train is None) != (y_test is None):
        raise ValueError("y_train and y_test must be given together (or neither)")
    if y_train is None:
        groups_train, groups_test = np.zeros(len(train_arr), int), np.zeros(len(test_arr), int)
    else:
        groups_train = as_array(y_train, "y_train", ndim=1, dtype=np.int64)
        groups_test = as_array(y_test, "y_test", ndim=1, dtype=np.int64)
        check_same_length(train_arr, "x_train", groups_train, "y_train")
        check_same_length(test_arr, "x_test", groups_test, "y_test")
        missing = np.setdiff1d(groups_test, groups_train)
        if missing.size:
            raise ValueError(f"y_test must contain only labels present in y_train; got {missing.tolist()} "
                             f"that y_train lacks")
    out = np.empty(len(test_arr))
    for label in np.unique(groups_test):
        rows, cols = train_arr[groups_train == label], groups_test == label
        x = test_arr[cols]
        if decoder == "bernoulli":
            p = (rows.sum(axis=0) + pseudo_count) / (len(rows) + 2 * pseudo_count)
            out[cols] = (x * np.log(p) + (1 - x) * np.log1p(-p)).sum(axis=1)
        else:
            mean = rows.mean(axis=0)
            var = np.maximum(rows.var(axis=0), min_variance) if variance == "learned" else variance
            out[cols] = -0.5 * (_LOG_2PI + np.log(var) + (x - mean) ** 2 / var).sum(axis=1)
    return out


def grey_level_entropy_bound(x: Any) -> np.ndarray:
    r"""The largest value any Bernoulli decoder can give each input: :math:`-\sum_j H(x_j)`.

    For a grey level :math:`x_j \in [0, 1]` the "Bernoulli log-likelihood"
    :math:`x_j\log p + (1-x_j)\log(1-p)` is largest at :math:`p = x_j`, where it equals
    :math:`-H(x_j) = x_j\log x_j + (1-x_j)\log(1-x_j)` (0 for black and white pixels). So
    no Bernoulli decoder, however good, and no ELBO or importance-weighted bound computed
    with it, exceeds this value on grey-level data: it marks "perfect reconstruction".

    Parameters
    ----------
    x : array_like, shape (..., d)
        Values in [0, 1].

    Returns
    -------
    np.ndarray, shape (...)
        Non-positive, in nats.

    References
    ----------
    Cover and Thomas (2006), "Elements of Information Theory", section 2.1 (binary
    entropy); ``scipy.special.entr``.
    """
    arr = as_array(x, "x", ndim=range(1, 33))
    if arr.shape[-1] == 0:
        raise ValueError(f"x must have at least one entry along its last axis; got shape {arr.shape}")
    _check_unit_interval(arr, "x")
    return -(special.entr(arr) + special.entr(1.0 - arr)).sum(axis=-1)


# ---------------------------------------------------------------------- figure
def plot_reparameterization_graph(ax: Any = None) -> Any:
    r"""Draw the computation graph of the reparameterised ELBO estimate, for teaching.

    Boxes for :math:`x`, the encoder, :math:`\mu` and :math:`\log\sigma^2`, the noise
    :math:`\varepsilon \sim N(0, I)` (a dashed box: an input from outside, no parameters
    behind it), :math:`z = \mu + \sigma \odot \varepsilon`, the decoder and the loss; solid
    arrows carry the forward computation, dashed arrows the gradients, which reach
    :math:`\mu` and :math:`\log\sigma^2` (and through them the encoder) but never
    :math:`\varepsilon`.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure in the book style when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Kingma and Welling (2019), "An Introduction to Variational Autoencoders", Foundations
    and Trends in Machine Learning, figure 2.3.
    """
    from matplotlib.axes import Axes

    from mlnotes import plotting

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    if ax is None:
        fig, ax = plotting.subplots(figsize=(6.4, 3.2))
    else:
        fig = ax.figure
    blue, orange, grey = plotting.COLORS[0], plotting.COLORS[1], "0.35"
    nodes = {
        "x": (0.4, 1.6, "$x$"), "enc": (1.6, 1.6, "encoder\n$\\phi$"),
        "mu": (3.3, 2.5, "$\\mu$"), "lv": (3.3, 0.7, "$\\log\\sigma^2$"),
        "eps": (5.2, 3.3, "$\\varepsilon \\sim N(0, I)$"),
        "z": (5.2, 1.6, "$z = \\mu + \\sigma \\odot \\varepsilon$"),
        "dec": (7.1, 1.6, "decoder\n$\\theta$"), "loss": (8.5, 1.6, "$-\\mathrm{ELBO}$"),
    }
    boxes = {}
    for key, (cx, cy, text) in nodes.items():
        noise = key == "eps"
        boxes[key] = ax.text(cx, cy, text, ha="center", va="center", fontsize=10,
                             bbox=dict(boxstyle="round,pad=0.35", fc="white" if noise else "#E8F1F8",
                                       ec=grey if noise else blue, ls="--" if noise else "-"))

    def arrow(a: str, at_a: tuple[float, float], b: str, at_b: tuple[float, float], **style: Any) -> None:
        # anchors are fractions of each box, so arrows start and end on the box edges
        ax.annotate("", xy=at_b, xycoords=boxes[b], xytext=at_a, textcoords=boxes[a],
                    arrowprops=dict(arrowstyle="-|>", shrinkA=2, shrinkB=2, **style))

    right, left = (1.0, 0.5), (0.0, 0.5)
    forward = dict(color=blue, lw=1.4)
    for a, b in [("x", "enc"), ("z", "dec"), ("dec", "loss")]:
        arrow(a, right, b, left, **forward)
    arrow("enc", (1.0, 0.8), "mu", left, **forward)
    arrow("enc", (1.0, 0.2), "lv", left, **forward)
    arrow("mu", right, "z", (0.25, 1.0), **forward)
    arrow("lv", right, "z", (0.25, 0.0), **forward)
    arrow("eps", (0.5, 0.0), "z", (0.6, 1.0), color=grey, lw=1.4, ls=":")
    backward = dict(color=orange, lw=1.4, ls="--")
    arrow("loss", (0.5, 0.0), "dec", (0.5, 0.0), connectionstyle="arc3,rad=-0.5", **backward)
    arrow("dec", (0.3, 0.0), "z", (0.8, 0.0), connectionstyle="arc3,rad=-0.4", **backward)
    arrow("z", (0.1, 0.0), "lv", (1.0, 0.8), connectionstyle="arc3,rad=-0.35", **backward)
    arrow("z", (0.1, 1.0), "mu", (1.0, 0.2), connectionstyle="arc3,rad=0.35", **backward)
    ax.text(4.9, 0.1, "dashed: gradients, which reach $\\mu$ and $\\log\\sigma^2$, never $\\varepsilon$",
            ha="center", fontsize=9, color=orange)
    ax.text(6.3, 3.3, "noise: an input,\nno parameters behind it", ha="left", va="center", fontsize=8,
            color=grey)
    ax.set(xlim=(0, 9), ylim=(0, 3.6))
    ax.set_axis_off()
    return fig
