"""mlnotes.attention against keras.layers.MultiHeadAttention and scipy's softmax."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlnotes import attention as att
from mlnotes.tf_env import keras, set_seed


def _keras_layer(num_heads: int, key_dim: int, value_dim: int | None = None, output_shape=None):
    set_seed(num_heads * 10 + key_dim)
    return keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim, value_dim=value_dim,
                                           output_shape=output_shape)


@pytest.mark.parametrize(("heads", "key_dim", "value_dim"), [(1, 4, None), (2, 3, None), (4, 8, 5), (3, 2, 6)])
@pytest.mark.parametrize("kind", ["self", "cross"])
@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_reproduces_keras(heads, key_dim, value_dim, kind, masked):
    rng = np.random.default_rng(heads + key_dim)
    layer = _keras_layer(heads, key_dim, value_dim)
    query = rng.standard_normal((2, 5, 6)).astype(np.float32)
    value = query if kind == "self" else rng.standard_normal((2, 7, 4)).astype(np.float32)
    mask = None
    if masked:
        mask = rng.random((2, 5, value.shape[1])) > 0.4
        mask[..., 0] = True  # fully masked rows have their own test below
    out, scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    ours, our_scores = att.multi_head_attention(query, value, params=att.params_from_keras(layer), mask=mask)
    np.testing.assert_allclose(ours, out.numpy(), atol=1e-5)
    np.testing.assert_allclose(our_scores, scores.numpy(), atol=1e-5)
    assert our_scores.shape == (2, heads, 5, value.shape[1])


def test_fully_masked_rows_give_zero_weights_like_keras():
    rng = np.random.default_rng(3)
    layer = _keras_layer(2, 3)
    query = 3 * rng.standard_normal((1, 3, 4)).astype(np.float32)
    mask = np.array([[[False, False, False], [True, True, False], [True, True, True]]])
    out, scores = layer(query, query, attention_mask=mask, return_attention_scores=True)
    ours, our_scores = att.multi_head_attention(query, query, params=att.params_from_keras(layer), mask=mask)
    np.testing.assert_array_equal(our_scores[0, :, 0], 0.0)
    np.testing.assert_array_equal(scores.numpy()[0, :, 0], 0.0)
    np.testing.assert_allclose(ours, out.numpy(), atol=1e-5)
    # a row that attends to nothing outputs only the output projection's bias
    np.testing.assert_allclose(ours[0, 0], layer.get_weights()[-1], atol=1e-6)
    assert np.all(np.isfinite(ours))


def test_separate_key_and_value_sequences():
    rng = np.random.default_rng(0)
    layer = _keras_layer(2, 4)
    query, value, key = (rng.standard_normal(s).astype(np.float32) for s in [(1, 3, 5), (1, 6, 5), (1, 6, 5)])
    out, scores = layer(query, value, key=key, return_attention_scores=True)
    ours, our_scores = att.multi_head_attention(query, value, key, params=att.params_from_keras(layer))
    np.testing.assert_allclose(ours, out.numpy(), atol=1e-5)
    np.testing.assert_allclose(our_scores, scores.numpy(), atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(q=arrays(np.float64, (2, 4, 3), elements=st.floats(-10, 10)),
       k=arrays(np.float64, (2, 5, 3), elements=st.floats(-10, 10)),
       mask=arrays(bool, (2, 4, 5)))
def test_weights_are_row_stochastic_or_zero_when_fully_masked(q, k, mask):
    v = np.arange(2 * 5 * 2, dtype=float).reshape(2, 5, 2)
    out, w = att.scaled_dot_product_attention(q, k, v, mask)
    full = mask.any(axis=-1)
    np.testing.assert_allclose(w.sum(axis=-1)[full], 1.0)
    assert np.all(w[~mask] == 0) and np.all(w >= 0)
    np.testing.assert_array_equal(w[~full], 0.0)
    np.testing.assert_array_equal(out[~full], 0.0)
    np.testing.assert_allclose(out, w @ v)


@pytest.mark.parametrize("scale", [1.0, 100.0, 1e4])
def test_weights_equal_scipy_softmax_at_large_logits(scale):
    rng = np.random.default_rng(int(scale))
    q, k = scale * rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 6, 2))
    _, w = att.scaled_dot_product_attention(q, k, np.zeros((3, 6, 1)))
    expected = scipy.special.softmax(q @ k.transpose(0, 2, 1) / np.sqrt(2), axis=-1)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(w))


def test_attention_to_a_single_key_copies_its_value():
    q, k = np.zeros((3, 2)), np.array([[0.0, 0.0], [0.0, 0.0]])
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    mask = np.array([[True, False]] * 3)
    out, w = att.scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_array_equal(w, [[1.0, 0.0]] * 3)
    np.testing.assert_array_equal(out, [[1.0, 2.0]] * 3)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"q must have shape \(\.\.\., T_q, d\).*d=6 != k's 5"):
        att.scaled_dot_product_attention(np.zeros((3, 4, 6)), np.zeros((3, 2, 5)), np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match="v must have one row per key"):
        att.scaled_dot_product_attention(np.zeros((4, 2)), np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="mask must be a boolean array"):
        att.scaled_dot_product_attention(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)), mask=np.ones((2, 2)))
    with pytest.raises(ValueError, match="mask must broadcast"):
        att.scaled_dot_product_attention(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)), mask=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="q must be finite"):
        att.scaled_dot_product_attention(np.full((2, 2), np.nan), np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="params is missing"):
        att.multi_head_attention(np.zeros((1, 2, 3)), np.zeros((1, 2, 3)), params={})
    layer = _keras_layer(2, 4)
    layer(np.zeros((1, 2, 3), np.float32), np.zeros((1, 2, 3), np.float32))
    with pytest.raises(ValueError, match="query must have feature size 3"):
        att.multi_head_attention(np.zeros((1, 2, 5)), np.zeros((1, 2, 3)), params=att.params_from_keras(layer))
    with pytest.raises(ValueError, match="layer must be a built"):
        att.params_from_keras(_keras_layer(1, 2))


def test_contribution_norms_sum_bounds_the_output_norm():
    rng = np.random.default_rng(3)
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    out, w = att.scaled_dot_product_attention(q, k, v)
    c = att.contribution_norms(w, v)
    np.testing.assert_allclose(c, w * np.linalg.norm(v, axis=1))
    assert np.all(np.linalg.norm(out, axis=1) <= c.sum(axis=1) + 1e-12)  # triangle inequality
    with pytest.raises(ValueError, match="values must have one row per key"):
        att.contribution_norms(w, v[:3])
