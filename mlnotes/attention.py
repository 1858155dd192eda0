r"""Attention in NumPy: scaled dot-product attention, and multi-head attention that
reproduces ``keras.layers.MultiHeadAttention`` from its weights (Chapter 6).

No TensorFlow here: :func:`params_from_keras` only reads a layer's weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlnotes._checks import as_array
from mlnotes.probability import softmax

__all__ = ["contribution_norms", "multi_head_attention", "params_from_keras", "scaled_dot_product_attention"]

_PARAM_NAMES = ("query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias",
                "output_kernel", "output_bias")


def _as_mask(mask: Any, shape: tuple[int, ...]) -> np.ndarray:
    m = np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"mask must be a boolean array (True = attend); got dtype {m.dtype}")
    try:
        return np.broadcast_to(m, shape)
    except ValueError:
        raise ValueError(f"mask must broadcast to the weights' shape {shape}; got {m.shape}") from None


def scaled_dot_product_attention(
    q: Any, k: Any, v: Any, mask: Any | None = None
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
        Leading (batch, head) axes must broadcast.
    mask : boolean array_like, broadcastable to (..., T_q, T_k), optional
        True where query ``i`` may attend to key ``j``. Masked scores are set to
        :math:`-\infty` before the softmax. A query row with *no* allowed key has no
        attention distribution: its weights and output are returned as zeros, with no NaN.
        Keras 3's masked softmax does the same (it multiplies the softmax by the mask), so
        :func:`multi_head_attention` agrees with Keras there too; ``tests/test_attention.py``
        checks it.

    Returns
    -------
    output : ndarray, shape (..., T_q, d_v)
    weights : ndarray, shape (..., T_q, T_k); rows sum to 1 (or are all 0 if fully masked)

    References
    ----------
    Vaswani et al. (2017), "Attention is all you need", NeurIPS, equation (1).
    """
    q = as_array(q, "q", ndim=range(2, 9))
    k = as_array(k, "k", ndim=range(2, 9))
    v = as_array(v, "v", ndim=range(2, 9))
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q must have shape (..., T_q, d) with the same d as k; got q {q.shape} "
                         f"with d={q.shape[-1]} != k's {k.shape[-1]}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"v must have one row per key: shape (..., T_k, d_v) with T_k={k.shape[-2]}; got {v.shape}")
    try:
        scores = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])
    except ValueError:
        raise ValueError(f"q and k must have broadcastable leading axes; got {q.shape} and {k.shape}") from None
    if mask is None:
        weights = softmax(scores, axis=-1)
    else:
        allowed = _as_mask(mask, scores.shape)
        empty = ~allowed.any(axis=-1, keepdims=True)
        masked = np.where(allowed | empty, scores, -np.inf)  # empty rows: computed, then zeroed
        weights = np.where(empty, 0.0, softmax(masked, axis=-1))
    return np.matmul(weights, v), weights


def params_from_keras(layer: Any) -> dict[str, np.ndarray]:
    """The weights of a built ``keras.layers.MultiHeadAttention`` as NumPy arrays.

    Returns a dict with ``query_kernel`` (d_query, H, d_key), ``query_bias`` (H, d_key),
    ``key_kernel``, ``key_bias``, ``value_kernel`` (d_value_in, H, d_v), ``value_bias``
    (H, d_v), ``output_kernel`` (H, d_v, d_out) and ``output_bias`` (d_out,). The layer must
    use biases (the Keras default) and have been called once, so that its weights exist.
    """
    parts = {"query": "_query_dense", "key": "_key_dense", "value": "_value_dense", "output": "_output_dense"}
    params = {}
    for name, attribute in parts.items():
        dense = getattr(layer, attribute, None)
        if dense is None or not getattr(dense, "built", False):
            raise ValueError("layer must be a built keras.layers.MultiHeadAttention (call it once first)")
        if getattr(dense, "bias", None) is None:
            raise ValueError("layer must use biases (use_bias=True)")
        params[f"{name}_kernel"] = np.asarray(dense.kernel.numpy(), dtype=np.float64)
        params[f"{name}_bias"] = np.asarray(dense.bias.numpy(), dtype=np.float64)
    return params


def multi_head_attention(
    query: Any, value: Any, key: Any | None = None, *, params: dict[str, Any], mask: Any | None = None
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
        As returned by :func:`params_from_keras`.
    mask : boolean array_like, shape (B, T_q, T_k), optional
        Keras' ``attention_mask``: True = attend.

    Returns
    -------
    output : ndarray, shape (B, T_q, d_out)
    scores : ndarray, shape (B, H, T_q, T_k)
        The attention weights per head (Keras' ``return_attention_scores=True``).

    References
    ----------
    Vaswani et al. (2017), section 3.2.2; Keras API documentation of ``MultiHeadAttention``.
    """
    missing = [n for n in _PARAM_NAMES if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; build it with params_from_keras(layer)")
    p = {n: as_array(params[n], f"params[{n!r}]") for n in _PARAM_NAMES}
    query = as_array(query, "query", ndim=3)
    value = as_array(value, "value", ndim=3)
    key = value if key is None else as_array(key, "key", ndim=3)
    for name, x, kernel in [("query", query, "query_kernel"), ("key", key, "key_kernel"), ("value", value, "value_kernel")]:
        if x.shape[-1] != p[kernel].shape[0]:
            raise ValueError(f"{name} must have feature size {p[kernel].shape[0]} (params[{kernel!r}].shape[0]); "
                             f"got shape {x.shape}")
    if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
        raise ValueError(f"key and value must share batch and length, and query the batch; got query "
                         f"{query.shape}, key {key.shape}, value {value.shape}")
    q = np.einsum("btd,dhk->bhtk", query, p["query_kernel"]) + p["query_bias"][None, :, None, :]
    k = np.einsum("btd,dhk->bhtk", key, p["key_kernel"]) + p["key_bias"][None, :, None, :]
    v = np.einsum("btd,dhk->bhtk", value, p["value_kernel"]) + p["value_bias"][None, :, None, :]
    head_mask = None if mask is None else _as_mask(mask, (query.shape[0], query.shape[1], key.shape[1]))[:, None]
    z, scores = scaled_dot_product_attention(q, k, v, head_mask)
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
    values : array_like, shape (..., T_k, d_v)

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
    if a.shape[-1] != v.shape[-2]:
        raise ValueError(f"values must have one row per key ({a.shape[-1]}); got shape {v.shape}")
    return a * np.linalg.norm(v, axis=-1)[..., None, :]
