r"""Attention in NumPy (Chapter 6): scaled dot-product attention, multi-head attention that
reproduces ``keras.layers.MultiHeadAttention`` from its weights, the contribution of each
key, the cross-entropy on logits with its gradient, and autoregressive generation.

No TensorFlow here: :func:`params_from_keras` only reads a layer's weights, and
:func:`generate` calls whatever next-token function it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    check_shape,
)
from mlnotes.probability import logsumexp, softmax

__all__ = [
    "contribution_norms",
    "cross_entropy_with_logits",
    "draw_attention_shapes",
    "generate",
    "multi_head_attention",
    "params_from_keras",
    "scaled_dot_product_attention",
    "temperature_probabilities",
]

_PARAM_NAMES = ("query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias",
                "output_kernel", "output_bias")
_FULLY_MASKED = ("zeros", "uniform")


def _as_mask(mask: Any, shape: tuple[int, ...]) -> np.ndarray:
    m = np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"mask must be a boolean array (True = attend); got dtype {m.dtype}")
    try:
        return np.broadcast_to(m, shape)
    except ValueError:
        raise ValueError(f"mask must broadcast to the weights' shape {shape}; got {m.shape}") from None


def _leading(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Refuse leading (batch, head) axes that do not broadcast, naming both arguments."""
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{b_name} must have leading (batch, head) axes that broadcast with "
                         f"{a_name}'s {a.shape[:-2]}; got {b.shape[:-2]} (shapes {a.shape} and {b.shape})"
                         ) from None


def scaled_dot_product_attention(
    q: Any, k: Any, v: Any, mask: Any | None = None, *, fully_masked: str = "zeros"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention: output :math:`Z = AV` and weights :math:`A`.

    .. math::
        A = \operatorname{softmax}\Bigl(\frac{QK^\top}{\sqrt d}\Bigr), \qquad Z = A V,

    with the softmax over the key axis: row :math:`i` of :math:`A` (shape :math:`T_q \times T_k`)
    says how much query :math:`i` takes from each key :math:`j`, and row :math:`i` of :math:`Z`
    (shape :math:`T_q \times d_v`) is the resulting weighted average of the value vectors.

    Parameters
    ----------
    q : array_like, shape (..., T_q, d)
    k : array_like, shape (..., T_k, d)
    v : array_like, shape (..., T_k, d_v)
        Leading (batch, head) axes must broadcast; ``T_q, T_k, d >= 1``.
    mask : boolean array_like, broadcastable to (..., T_q, T_k), optional
        True where query ``i`` may attend to key ``j``. Masked scores are set to
        :math:`-\infty` before the softmax.
    fully_masked : {"zeros", "uniform"}, default "zeros"
        What a query row with *no* allowed key gets; it has no attention distribution, so
        any answer is a convention. ``"zeros"``: zero weights and a zero output (Keras 3's
        ``MultiHeadAttention`` called with ``return_attention_scores=True``, whose masked
        softmax multiplies by the mask). ``"uniform"``: weight :math:`1/T_k` on every key,
        masked or not (Keras' default call, which fills masked scores with a large finite
        negative number before a fused softmax). ``tests/test_attention.py`` checks both
        against Keras through :func:`multi_head_attention`.

    Returns
    -------
    output : ndarray, shape (..., T_q, d_v)
    weights : ndarray, shape (..., T_q, T_k); rows sum to 1 (or are all 0 if fully masked
        and ``fully_masked="zeros"``)

    Raises
    ------
    ValueError
        If the scores :math:`q \cdot k / \sqrt d` overflow float64 (inputs near 1e154 or
        larger): rescale ``q`` or ``k``.

    References
    ----------
    Vaswani et al. (2017), "Attention is all you need", NeurIPS, equation (1).
    """
    q = as_array(q, "q", ndim=range(2, 9))
    k = as_array(k, "k", ndim=range(2, 9))
    v = as_array(v, "v", ndim=range(2, 9))
    fully_masked = check_choice(fully_masked, "fully_masked", _FULLY_MASKED)
    if q.shape[-1] < 1 or q.shape[-2] < 1:
        raise ValueError(f"q must have shape (..., T_q, d) with T_q >= 1 and d >= 1; got {q.shape}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q must have shape (..., T_q, d) with the same d as k; got q {q.shape} "
                         f"with d={q.shape[-1]} != k's {k.shape[-1]}")
    if k.shape[-2] < 1:
        raise ValueError(f"k must have at least one key: shape (..., T_k, d) with T_k >= 1; got {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"v must have one row per key: shape (..., T_k, d_v) with T_k={k.shape[-2]}; "
                         f"got {v.shape}")
    _leading(q, "q", k, "k")
    _leading(k, "k", v, "v")
    _leading(q, "q", v, "v")
    with np.errstate(over="ignore", invalid="ignore"):
        scores = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])
    if not np.all(np.isfinite(scores)):
        raise ValueError("q and k must be small enough for their scores q.k/sqrt(d) to fit in float64; "
                         f"got an overflow (largest |q| {np.abs(q).max():.3g}, |k| {np.abs(k).max():.3g}): "
                         "rescale them")
    if mask is None:
        weights = softmax(scores, axis=-1)
    else:
        allowed = _as_mask(mask, scores.shape)
        empty = ~allowed.any(axis=-1, keepdims=True)
        masked = np.where(allowed | empty, scores, -np.inf)  # empty rows: computed, then replaced
        fill = 0.0 if fully_masked == "zeros" else 1.0 / scores.shape[-1]
        weights = np.where(empty, fill, softmax(masked, axis=-1))
    return np.matmul(weights, v), weights


def params_from_keras(layer: Any) -> dict[str, np.ndarray]:
    """The weights of a built ``keras.layers.MultiHeadAttention`` as NumPy arrays.

    Read through the layer's public ``query_dense``, ``key_dense``, ``value_dense`` and
    ``output_dense`` sublayers (Keras 3).

    Returns
    -------
    dict
        ``query_kernel`` (d_query, H, d_key), ``query_bias`` (H, d_key), ``key_kernel``
        (d_key_in, H, d_key), ``key_bias`` (H, d_key), ``value_kernel`` (d_value_in, H, d_v),
        ``value_bias`` (H, d_v), ``output_kernel`` (H, d_v, d_out), ``output_bias`` (d_out,),
        all float64. The layer must use biases (the Keras default) and have been called
        once, so that its weights exist.

    References
    ----------
    Keras API documentation of ``keras.layers.MultiHeadAttention``.
    """
    parts = ("query", "key", "value", "output")
    if not all(hasattr(type(layer), f"{part}_dense") for part in parts):
        raise TypeError(f"layer must be a keras.layers.MultiHeadAttention; got {type(layer).__name__}")
    params = {}
    for part in parts:
        dense = getattr(layer, f"{part}_dense", None)  # an unbuilt layer has no sublayers yet
        if dense is None or not getattr(dense, "built", False):
            raise ValueError("layer must be a built keras.layers.MultiHeadAttention; got an unbuilt one "
                             "(call it once first)")
        if getattr(dense, "bias", None) is None:
            raise ValueError("layer must use biases (use_bias=True); got use_bias=False")
        params[f"{part}_kernel"] = np.asarray(dense.kernel.numpy(), dtype=np.float64)
        params[f"{part}_bias"] = np.asarray(dense.bias.numpy(), dtype=np.float64)
    return params


def _check_params(params: Any) -> dict[str, np.ndarray]:
    if not isinstance(params, Mapping):
        raise TypeError("params must be a dict of arrays (see params_from_keras); "
                        f"got {type(params).__name__}")
    missing = [n for n in _PARAM_NAMES if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; build it with params_from_keras(layer)")
    ndims = {n: 3 if n.endswith("kernel") else 2 for n in _PARAM_NAMES} | {"output_bias": 1}
    p = {n: as_array(params[n], f"params[{n!r}]", ndim=ndims[n]) for n in _PARAM_NAMES}
    _, heads, key_dim = p["query_kernel"].shape
    value_dim = p["value_kernel"].shape[2]
    check_shape(p["query_bias"], "params['query_bias']", (heads, key_dim))
    check_shape(p["key_kernel"], "params['key_kernel']", (None, heads, key_dim))
    check_shape(p["key_bias"], "params['key_bias']", (heads, key_dim))
    check_shape(p["value_kernel"], "params['value_kernel']", (None, heads, None))
    check_shape(p["value_bias"], "params['value_bias']", (heads, value_dim))
    check_shape(p["output_kernel"], "params['output_kernel']", (heads, value_dim, None))
    check_shape(p["output_bias"], "params['output_bias']", (p["output_kernel"].shape[2],))
    return p


def multi_head_attention(
    query: Any,
    value: Any,
    key: Any | None = None,
    *,
    params: dict[str, Any],
    mask: Any | None = None,
    fully_masked: str = "zeros",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Multi-head attention, as ``keras.layers.MultiHeadAttention`` computes it (no dropout).

    For each head :math:`h`, with :math:`X_q` the query sequence and :math:`X_k, X_v` the
    key and value sequences,

    .. math::
        Q_h = X_q W^Q_h + b^Q_h, \quad K_h = X_k W^K_h + b^K_h, \quad V_h = X_v W^V_h + b^V_h,
        \qquad Z_h = \operatorname{softmax}\Bigl(\frac{Q_h K_h^\top}{\sqrt{d_k}}\Bigr) V_h,

    and the heads are combined by one output projection,
    :math:`\text{out} = \sum_h Z_h W^O_h + b^O` (a concatenation followed by a dense layer).

    Parameters
    ----------
    query : array_like, shape (B, T_q, d_query)
    value : array_like, shape (B, T_k, d_value_in)
    key : array_like, shape (B, T_k, d_key_in), optional
        Defaults to ``value``, as in Keras.
    params : dict
        As returned by :func:`params_from_keras`; the kernels' head and width axes must agree.
    mask : boolean array_like, broadcastable to (B, T_q, T_k), optional
        Keras' ``attention_mask``: True = attend.
    fully_masked : {"zeros", "uniform"}, default "zeros"
        A query row with no allowed key: ``"zeros"`` reproduces Keras' call with
        ``return_attention_scores=True`` (zero weights, output = the output bias
        :math:`b^O`); ``"uniform"`` reproduces Keras' default call (equal weights on all
        keys, masked ones included). See :func:`scaled_dot_product_attention`.

    Returns
    -------
    output : ndarray, shape (B, T_q, d_out)
    scores : ndarray, shape (B, H, T_q, T_k)
        The attention weights per head (Keras' ``return_attention_scores=True``).

    References
    ----------
    Vaswani et al. (2017), section 3.2.2; Keras API documentation of ``MultiHeadAttention``.
    """
    p = _check_params(params)
    query = as_array(query, "query", ndim=3)
    value = as_array(value, "value", ndim=3)
    key = value if key is None else as_array(key, "key", ndim=3)
    for name, x, kernel in [("query", query, "query_kernel"), ("key", key, "key_kernel"),
                            ("value", value, "value_kernel")]:
        if x.shape[-1] != p[kernel].shape[0]:
            raise ValueError(f"{name} must have feature size {p[kernel].shape[0]} "
                             f"(params[{kernel!r}].shape[0]); got shape {x.shape}")
    if key.shape[:2] != value.shape[:2]:
        raise ValueError(f"key must have the batch size and length of value {value.shape[:2]}; "
                         f"got {key.shape[:2]}")
    if query.shape[0] != value.shape[0]:
        raise ValueError(f"query must have the batch size of value ({value.shape[0]}); "
                         f"got shape {query.shape}")
    q = np.einsum("btd,dhk->bhtk", query, p["query_kernel"]) + p["query_bias"][None, :, None, :]
    k = np.einsum("btd,dhk->bhtk", key, p["key_kernel"]) + p["key_bias"][None, :, None, :]
    v = np.einsum("btd,dhk->bhtk", value, p["value_kernel"]) + p["value_bias"][None, :, None, :]
    head_mask = None
    if mask is not None:  # one mask for all heads
        head_mask = _as_mask(mask, (query.shape[0], query.shape[1], key.shape[1]))[:, None]
    z, scores = scaled_dot_product_attention(q, k, v, head_mask, fully_masked=fully_masked)
    output = np.einsum("bhtk,hko->bto", z, p["output_kernel"]) + p["output_bias"]
    return output, scores


def contribution_norms(weights: Any, values: Any) -> np.ndarray:
    r"""How much each key actually adds to each output: :math:`\lVert a_{ij}\, v_j \rVert`.

    The output of query :math:`i` is :math:`z_i = \sum_j a_{ij} v_j`. A large weight
    :math:`a_{ij}` on a value vector :math:`v_j` of small norm contributes little, so the
    weight alone can mislead; the norm of the weighted vector measures the contribution.
    (For multi-head attention pass the values already multiplied by the output projection,
    :math:`v_j W^O_h`, and sum the per-head vectors first to get the full picture.)

    Parameters
    ----------
    weights : array_like, shape (..., T_q, T_k)
        Attention weights, non-negative.
    values : array_like, shape (..., T_k, d_v)
        Leading axes must broadcast with ``weights``'.

    Returns
    -------
    ndarray, shape (..., T_q, T_k)

    References
    ----------
    Kobayashi et al. (2020), "Attention is not only a weight: analyzing transformers with
    vector norms", EMNLP.
    """
    a = as_array(weights, "weights", ndim=range(2, 9))
    v = as_array(values, "values", ndim=range(2, 9))
    if np.any(a < 0):
        raise ValueError(f"weights must be non-negative attention weights; got minimum {a.min():.3g}")
    if a.shape[-1] != v.shape[-2]:
        raise ValueError(f"values must have one row per key ({a.shape[-1]}); got shape {v.shape}")
    _leading(a, "weights", v, "values")
    return a * np.linalg.norm(v, axis=-1)[..., None, :]


def _as_labels(labels: Any, n_classes: int, shape: tuple[int, ...], name: str = "labels") -> np.ndarray:
    y = as_array(labels, name, dtype=np.float64)
    if y.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, one label per row of logits; got {y.shape}")
    if np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= n_classes):
        raise ValueError(f"{name} must be integers in [0, {n_classes - 1}]; "
                         f"got values from {y.min():g} to {y.max():g}")
    return y.astype(np.int64)


def cross_entropy_with_logits(logits: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Softmax cross-entropy from logits, and its gradient with respect to the logits.

    With :math:`p = \operatorname{softmax}(\ell)` and the one-hot label :math:`y`,

    .. math::
        L = -\log p_y = \operatorname{logsumexp}(\ell) - \ell_y, \qquad
        \frac{\partial L}{\partial \ell} = p - y .

    The loss is computed in log space, so it stays finite (and exact) when :math:`p_y`
    underflows to 0; the gradient's entry for the true class is :math:`p_y - 1`, close to
    :math:`-1` (not 0) exactly when the model is confidently wrong.

    Parameters
    ----------
    logits : array_like, shape (..., V)
    labels : array_like of int, shape (...)
        Class indices in ``[0, V - 1]``.

    Returns
    -------
    loss : ndarray, shape (...)
    grad : ndarray, shape (..., V)

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, section 6.2.2.3;
    ``tf.nn.sparse_softmax_cross_entropy_with_logits``.
    """
    ell = as_array(logits, "logits", ndim=range(1, 9), min_size=1)
    y = _as_labels(labels, ell.shape[-1], ell.shape[:-1])
    loss = logsumexp(ell, axis=-1) - np.take_along_axis(ell, y[..., None], axis=-1)[..., 0]
    grad = softmax(ell, axis=-1)
    np.put_along_axis(grad, y[..., None], np.take_along_axis(grad, y[..., None], axis=-1) - 1.0, axis=-1)
    return loss, grad


def temperature_probabilities(logits: Any, temperature: float) -> np.ndarray:
    r"""The sampling distribution :math:`p_T = \operatorname{softmax}(\ell / T)` over the last axis.

    :math:`T < 1` sharpens the distribution, :math:`T > 1` flattens it towards uniform,
    and :math:`T = 0` is its limit, greedy decoding: probability 1 on the largest logit
    (the first one on ties).

    Parameters
    ----------
    logits : array_like, shape (..., V)
    temperature : float, >= 0

    Returns
    -------
    ndarray, shape (..., V), non-negative, summing to 1 over the last axis.

    References
    ----------
    Holtzman et al. (2020), "The curious case of neural text degeneration", ICLR, section 3.
    """
    ell = as_array(logits, "logits", ndim=range(1, 9), min_size=1)
    temperature = check_real(temperature, "temperature", low=0.0)
    if ell.shape[-1] < 1:
        raise ValueError(f"logits must have at least one entry on the last axis; got shape {ell.shape}")
    best = np.argmax(ell, axis=-1)[..., None]
    greedy = np.zeros_like(ell)
    np.put_along_axis(greedy, best, 1.0, axis=-1)
    if temperature == 0.0:
        return greedy
    with np.errstate(over="ignore"):
        scaled = ell / temperature
    if not np.all(np.isfinite(scaled)):  # a tiny temperature: the limit is greedy
        return greedy
    return softmax(scaled, axis=-1)


def generate(
    next_logits: Callable[[np.ndarray], Any],
    prompt: Any,
    steps: int,
    *,
    temperature: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    r"""Autoregressive generation: predict, sample, append, repeat.

    Starting from ``tokens = prompt``, each of the ``steps`` rounds calls
    ``next_logits(tokens)`` for the logits :math:`\ell` of the next token, draws it from
    :math:`\operatorname{softmax}(\ell / T)` (:func:`temperature_probabilities`; ``T = 0``
    takes the argmax) and appends it, so that the next round conditions on it.

    Parameters
    ----------
    next_logits : callable
        ``next_logits(tokens)`` with ``tokens`` an int array (B, t) (a copy: changing it
        changes nothing here) returns finite logits (B, V) for the token at position t.
        For a Keras model see :func:`mlnotes.attention_models.next_token_logits`.
    prompt : array_like of int, shape (B, t0)
        Non-negative token ids, ``B >= 1`` and ``t0 >= 1``.
    steps : int, >= 0
        Number of tokens to append.
    temperature : float, >= 0, default 1.0
    seed : int, default 0
        Seeds the NumPy generator that draws the tokens.

    Returns
    -------
    ndarray of int64, shape (B, t0 + steps)
        The prompt followed by the generated tokens.

    References
    ----------
    Holtzman et al. (2020), ICLR; Vaswani et al. (2017), section 3.1 ("auto-regressive").
    """
    next_logits = check_callable(next_logits, "next_logits")
    tokens = as_array(prompt, "prompt", ndim=2, dtype=np.float64)
    if tokens.shape[0] < 1 or tokens.shape[1] < 1:
        raise ValueError(f"prompt must have shape (B, t0) with B >= 1 and t0 >= 1; got {tokens.shape}")
    if np.any(tokens != np.round(tokens)) or np.any(tokens < 0):
        raise ValueError("prompt must hold non-negative integer token ids; "
                         f"got values from {tokens.min():g} to {tokens.max():g}")
    tokens = tokens.astype(np.int64)
    steps = check_int(steps, "steps", low=0)
    temperature = check_real(temperature, "temperature", low=0.0)
    rng = np.random.default_rng(check_seed(seed))
    for _ in range(steps):
        raw = next_logits(tokens.copy())
        ell = check_finite_output(raw, "next_logits(tokens)", f"step t={tokens.shape[1]}").astype(np.float64)
        if ell.ndim != 2 or ell.shape[0] != tokens.shape[0] or ell.shape[1] < 1:
            raise ValueError("next_logits(tokens) must return logits of shape (B, V) = "
                             f"({tokens.shape[0]}, V); got {ell.shape}")
        p = temperature_probabilities(ell, temperature)
        cdf = np.cumsum(p, axis=1)
        u = rng.random((tokens.shape[0], 1)) * cdf[:, -1:]
        new = np.minimum((cdf <= u).sum(axis=1), ell.shape[1] - 1)  # inverse-CDF draw per row
        tokens = np.concatenate([tokens, new[:, None]], axis=1)
    return tokens


def draw_attention_shapes(ax: Any, n: int = 5, d_model: int = 4, d_k: int = 3, d_v: int = 3) -> Any:
    r"""Draw the shapes of self-attention's matrices on a matplotlib axis (a conceptual figure).

    Boxes to scale, one cell per entry: :math:`X` (n, d_model); :math:`Q = XW^Q`,
    :math:`K = XW^K` (n, d_k); :math:`V = XW^V` (n, d_v); the weights
    :math:`A = \operatorname{softmax}(QK^\top/\sqrt{d_k})` (n, n), one row per query and
    one column per key; the output :math:`Z = AV` (n, d_v), one row per token and one
    column per feature.

    Parameters
    ----------
    ax : matplotlib Axes
    n, d_model, d_k, d_v : int, >= 1 (at most 12, so that the cells stay readable)

    Returns
    -------
    ax, with the boxes drawn; each box is a patch whose ``get_label()`` is its matrix name
    ("X", "Q", "K", "V", "A", "Z").

    References
    ----------
    Vaswani et al. (2017), equation (1).
    """
    sizes = {name: check_int(val, name, low=1, high=12)
             for name, val in [("n", n), ("d_model", d_model), ("d_k", d_k), ("d_v", d_v)]}
    if not hasattr(ax, "add_patch"):
        raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
    from matplotlib.patches import Rectangle  # only this function draws

    from mlnotes.plotting import COLORS

    n, d_model, d_k, d_v = sizes["n"], sizes["d_model"], sizes["d_k"], sizes["d_v"]
    boxes = [("X", n, d_model, 0), ("Q", n, d_k, 1), ("K", n, d_k, 1), ("V", n, d_v, 1),
             ("A", n, n, 2), ("Z", n, d_v, 3)]
    dims = {"X": f"{n} \u00d7 {d_model}", "Q": f"{n} \u00d7 {d_k}", "K": f"{n} \u00d7 {d_k}",
            "V": f"{n} \u00d7 {d_v}", "A": f"{n} \u00d7 {n}", "Z": f"{n} \u00d7 {d_v}"}
    notes = {"X": "token embeddings", "Q": "$XW^Q$", "K": "$XW^K$", "V": "$XW^V$",
             "A": "softmax$(QK^\\top/\\sqrt{d_k})$\nrow $i$: query $i$\ncolumn $j$: key $j$",
             "Z": "$AV$\nrow $i$: new\nvector of token $i$"}
    x0, gap = 0.0, 1.5
    for name, rows, cols, shade in boxes:
        ax.add_patch(Rectangle((x0, 0), cols, rows, facecolor=COLORS[shade], alpha=0.35,
                               edgecolor="black", linewidth=1.2, hatch=["", "//", "..", "xx"][shade],
                               label=name))
        for c in range(1, cols):
            ax.plot([x0 + c, x0 + c], [0, rows], color="black", linewidth=0.3)
        for r in range(1, rows):
            ax.plot([x0, x0 + cols], [r, r], color="black", linewidth=0.3)
        ax.text(x0 + cols / 2, rows + 0.4, f"${name}$  ({dims[name]})", ha="center", va="bottom", fontsize=9)
        ax.text(x0 + cols / 2, -0.5, notes[name], ha="center", va="top", fontsize=7.5)
        x0 += cols + gap
    ax.set_xlim(-0.5, x0 - gap + 0.5)
    ax.set_ylim(-3.0, n + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
