"""mlnotes.attention against keras.layers.MultiHeadAttention, TensorFlow's cross-entropy, scipy's softmax."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlnotes import attention as att
from mlnotes.tf_env import keras, set_seed, tf


def _keras_layer(num_heads: int, key_dim: int, value_dim: int | None = None, output_shape=None):
    set_seed(num_heads * 10 + key_dim)
    return keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim, value_dim=value_dim,
                                           output_shape=output_shape)


def _built_layer(num_heads=2, key_dim=3, width=4):
    layer = _keras_layer(num_heads, key_dim)
    x = np.zeros((1, 3, width), np.float32)
    layer(x, x)
    return layer


@pytest.mark.parametrize(("heads", "key_dim", "value_dim"),
                         [(1, 4, None), (2, 3, None), (4, 8, 5), (3, 2, 6)])
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
    np.testing.assert_allclose(ours, np.asarray(out), atol=1e-5)
    np.testing.assert_allclose(our_scores, np.asarray(scores), atol=1e-5)
    assert our_scores.shape == (2, heads, 5, value.shape[1])
    # Keras' default call takes a fused path; with no fully masked row it agrees too
    np.testing.assert_allclose(ours, np.asarray(layer(query, value, attention_mask=mask)), atol=1e-5)


def test_params_are_read_through_the_public_sublayers():
    layer = _built_layer()
    params = att.params_from_keras(layer)
    np.testing.assert_array_equal(params["query_kernel"], layer.query_dense.kernel.numpy())
    np.testing.assert_array_equal(params["output_bias"], layer.output_dense.bias.numpy())
    parts = ("query", "key", "value", "output")
    assert set(params) == {f"{p}_{w}" for p in parts for w in ("kernel", "bias")}


QUERY_MASK = np.array([[[False, False, False], [True, True, False], [True, True, True]]])


@pytest.mark.parametrize("heads", [1, 2])
def test_fully_masked_rows_zeros_is_keras_with_scores(heads):
    """Keras' call with return_attention_scores=True: zero weights, output = the output bias."""
    rng = np.random.default_rng(3)
    layer = _keras_layer(heads, 3)
    query = 3 * rng.standard_normal((1, 3, 4)).astype(np.float32)
    out, scores = layer(query, query, attention_mask=QUERY_MASK, return_attention_scores=True)
    ours, our_scores = att.multi_head_attention(query, query, params=att.params_from_keras(layer),
                                                mask=QUERY_MASK, fully_masked="zeros")
    np.testing.assert_array_equal(np.asarray(scores)[0, :, 0], 0.0)
    np.testing.assert_array_equal(our_scores[0, :, 0], 0.0)
    np.testing.assert_allclose(ours, np.asarray(out), atol=1e-5)
    np.testing.assert_allclose(ours[0, 0], layer.output_dense.bias.numpy(), atol=1e-6)


@pytest.mark.parametrize("heads", [1, 2])
def test_fully_masked_rows_uniform_is_keras_default_call(heads):
    """Keras' default call (fused dot_product_attention): equal weights on every key."""
    rng = np.random.default_rng(4)
    layer = _keras_layer(heads, 3)
    query = 3 * rng.standard_normal((1, 3, 4)).astype(np.float32)
    out = np.asarray(layer(query, query, attention_mask=QUERY_MASK))
    params = att.params_from_keras(layer)
    ours, our_scores = att.multi_head_attention(query, query, params=params, mask=QUERY_MASK,
                                                fully_masked="uniform")
    np.testing.assert_allclose(ours, out, atol=1e-5)
    np.testing.assert_allclose(our_scores[0, :, 0], 1 / 3)
    zeros, _ = att.multi_head_attention(query, query, params=params, mask=QUERY_MASK)
    assert np.abs(zeros[0, 0] - out[0, 0]).max() > 1e-2  # the two Keras paths really differ there
    np.testing.assert_allclose(zeros[0, 1:], out[0, 1:], atol=1e-5)


def test_separate_key_and_value_sequences():
    rng = np.random.default_rng(0)
    layer = _keras_layer(2, 4)
    query, value, key = (rng.standard_normal(s).astype(np.float32) for s in [(1, 3, 5), (1, 6, 5), (1, 6, 5)])
    out, scores = layer(query, value, key=key, return_attention_scores=True)
    ours, our_scores = att.multi_head_attention(query, value, key, params=att.params_from_keras(layer))
    np.testing.assert_allclose(ours, np.asarray(out), atol=1e-5)
    np.testing.assert_allclose(our_scores, np.asarray(scores), atol=1e-5)


def _loop_attention(q, k, v):
    """Independent reference: one query at a time, explicit sums (no matrix products)."""
    out, weights = np.zeros((q.shape[0], v.shape[1])), np.zeros((q.shape[0], k.shape[0]))
    for i in range(q.shape[0]):
        s = [sum(q[i, c] * k[j, c] for c in range(q.shape[1])) / np.sqrt(q.shape[1])
             for j in range(k.shape[0])]
        e = np.exp(np.array(s) - max(s))
        weights[i] = e / e.sum()
        out[i] = sum(weights[i, j] * v[j] for j in range(k.shape[0]))
    return out, weights


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 5, 4, 2), (6, 2, 8, 3)])
def test_scaled_dot_product_attention_equals_a_loop_and_keras(shape):
    t_q, t_k, d, d_v = shape
    rng = np.random.default_rng(sum(shape))
    q, k, v = rng.standard_normal((t_q, d)), rng.standard_normal((t_k, d)), rng.standard_normal((t_k, d_v))
    out, w = att.scaled_dot_product_attention(q, k, v)
    loop_out, loop_w = _loop_attention(q, k, v)
    np.testing.assert_allclose(w, loop_w, rtol=1e-12)
    np.testing.assert_allclose(out, loop_out, rtol=1e-12, atol=1e-14)
    # keras.ops.dot_product_attention takes (B, T, H, d) and computes in float32
    keras_out = keras.ops.dot_product_attention(q[None, :, None], k[None, :, None], v[None, :, None])
    np.testing.assert_allclose(out, np.asarray(keras_out)[0, :, 0], rtol=1e-6, atol=1e-7)


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
    _, uniform = att.scaled_dot_product_attention(q, k, v, mask, fully_masked="uniform")
    np.testing.assert_array_equal(uniform[~full], 0.2)
    np.testing.assert_array_equal(uniform[full], w[full])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), shift=arrays(np.float64, (3,), elements=st.floats(-5, 5)))
def test_attention_is_permutation_equivariant_and_key_shift_invariant(seed, shift):
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    out, w = att.scaled_dot_product_attention(q, k, v)
    perm_k, perm_q = rng.permutation(6), rng.permutation(4)
    out_p, w_p = att.scaled_dot_product_attention(q[perm_q], k[perm_k], v[perm_k])
    np.testing.assert_allclose(out_p, out[perm_q], atol=1e-12)
    np.testing.assert_allclose(w_p, w[perm_q][:, perm_k], atol=1e-12)
    # adding one vector c to every key adds q.c to a whole row of scores: the softmax ignores it
    out_s, w_s = att.scaled_dot_product_attention(q, k + shift, v)
    np.testing.assert_allclose(w_s, w, atol=1e-9)
    np.testing.assert_allclose(out_s, out, atol=1e-9)


@pytest.mark.parametrize("scale", [1e-300, 1.0, 100.0, 1e4, 1e150])
def test_weights_equal_scipy_softmax_at_extreme_scales(scale):
    rng = np.random.default_rng(7)
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


def test_contribution_norms_sum_bounds_the_output_norm():
    rng = np.random.default_rng(3)
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    out, w = att.scaled_dot_product_attention(q, k, v)
    c = att.contribution_norms(w, v)
    for i in range(4):
        for j in range(5):
            assert c[i, j] == pytest.approx(np.linalg.norm(w[i, j] * v[j]), rel=1e-12)
    assert np.all(np.linalg.norm(out, axis=1) <= c.sum(axis=1) + 1e-12)  # triangle inequality
    batched = att.contribution_norms(np.stack([w, w]), v)  # values broadcast over the batch
    np.testing.assert_allclose(batched[1], c)


# ---- cross-entropy on logits and its gradient, against TensorFlow ----

@pytest.mark.parametrize("scale", [0.1, 1.0, 30.0, 1e3, 1e6])
@pytest.mark.parametrize("shape", [(5,), (4, 7), (2, 3, 10)])
def test_cross_entropy_and_gradient_equal_tensorflow(scale, shape):
    rng = np.random.default_rng(len(shape) + int(np.log10(scale) + 5))
    logits = scale * rng.standard_normal(shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    loss, grad = att.cross_entropy_with_logits(logits, labels)
    ell = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(ell)
        tf_loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(labels), logits=ell)
        total = tf.reduce_sum(tf_loss)
    np.testing.assert_allclose(loss, tf_loss.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, tape.gradient(total, ell).numpy(), rtol=1e-9, atol=1e-12)


def test_gradient_is_minus_one_when_confidently_wrong():
    loss, grad = att.cross_entropy_with_logits([[800.0, 0.0, -5.0]], [1])
    assert loss[0] == pytest.approx(800.0, rel=1e-15)
    np.testing.assert_allclose(grad, [[1.0, -1.0, 0.0]], atol=1e-300)


@settings(max_examples=40, deadline=None)
@given(logits=arrays(np.float64, (3, 5), elements=st.floats(-50, 50)), shift=st.floats(-1e3, 1e3),
       labels=arrays(np.int64, (3,), elements=st.integers(0, 4)))
def test_cross_entropy_is_shift_invariant_and_its_gradient_sums_to_zero(logits, shift, labels):
    loss, grad = att.cross_entropy_with_logits(logits, labels)
    loss_s, grad_s = att.cross_entropy_with_logits(logits + shift, labels)
    np.testing.assert_allclose(loss_s, loss, atol=1e-9 * max(1.0, abs(shift)))
    np.testing.assert_allclose(grad_s, grad, atol=1e-9)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-12)
    assert np.all(loss >= 0)


# ---- temperature and generation ----

@pytest.mark.parametrize("temperature", [0.25, 1.0, 3.0])
def test_temperature_probabilities_equal_scipy(temperature):
    logits = np.array([[2.0, 1.0, 0.5, 0.0, -1.0], [0.0, 0.0, 5.0, 1.0, 1.0]])
    np.testing.assert_allclose(att.temperature_probabilities(logits, temperature),
                               scipy.special.softmax(logits / temperature, axis=-1), rtol=1e-13)


def test_temperature_limits():
    logits = np.array([1.0, 3.0, 2.0, 3.0])
    np.testing.assert_array_equal(att.temperature_probabilities(logits, 0.0), [0, 1, 0, 0])  # first maximum
    np.testing.assert_array_equal(att.temperature_probabilities(logits, 1e-310), [0, 1, 0, 0])
    np.testing.assert_allclose(att.temperature_probabilities(logits, 1e6), 0.25, atol=1e-6)
    sharp = att.temperature_probabilities(logits, 0.01)
    np.testing.assert_allclose(sharp, [0, 0.5, 0, 0.5], atol=1e-40)


@settings(max_examples=30, deadline=None)
@given(logits=arrays(np.float64, (4,), elements=st.floats(-100, 100)), shift=st.floats(-1e4, 1e4),
       temperature=st.floats(0.05, 20))
def test_temperature_probabilities_are_shift_invariant(logits, shift, temperature):
    np.testing.assert_allclose(att.temperature_probabilities(logits + shift, temperature),
                               att.temperature_probabilities(logits, temperature), atol=1e-8)


def _chain(order=4):
    """A Markov chain on `order` tokens with known transition probabilities."""
    p = np.full((order, order), 0.05)
    for a in range(order):
        p[a, (a + 1) % order] += 0.6
        p[a, (a + 2) % order] += 0.2
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_generate_samples_the_tempered_next_token_distribution(temperature):
    p = _chain()
    prompt = np.repeat(np.arange(4), 500)[:, None]
    tokens = att.generate(lambda t: np.log(p[t[:, -1]]), prompt, 6, temperature=temperature, seed=3)
    assert tokens.shape == (2000, 7) and tokens.dtype == np.int64
    np.testing.assert_array_equal(tokens[:, :1], prompt)
    expected = scipy.special.softmax(np.log(p) / temperature, axis=1)
    counts = np.zeros((4, 4))
    np.add.at(counts, (tokens[:, :-1].ravel(), tokens[:, 1:].ravel()), 1)
    freq = counts / counts.sum(axis=1, keepdims=True)
    # 12000 transitions, about 3000 per row: 4 standard errors of a frequency near 0.5 is 0.04
    np.testing.assert_allclose(freq, expected, atol=0.04)


def test_generate_greedy_follows_the_argmax_and_seeds_repeat():
    p = _chain()
    tokens = att.generate(lambda t: np.log(p[t[:, -1]]), [[0], [2]], 5, temperature=0.0)
    np.testing.assert_array_equal(tokens, [[0, 1, 2, 3, 0, 1], [2, 3, 0, 1, 2, 3]])
    a = att.generate(lambda t: np.log(p[t[:, -1]]), [[0]] * 3, 8, seed=5)
    b = att.generate(lambda t: np.log(p[t[:, -1]]), [[0]] * 3, 8, seed=5)
    c = att.generate(lambda t: np.log(p[t[:, -1]]), [[0]] * 3, 8, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(att.generate(lambda t: np.zeros((1, 3)), [[1, 2]], 0), [[1, 2]])


def test_generate_feeds_back_what_it_sampled_and_protects_its_state():
    seen = []

    def vandal(tokens):
        seen.append(tokens.copy())
        tokens[:] = 99  # must not reach the generated sequence
        out = np.full((tokens.shape[0], 5), -1e3)
        out[:, (tokens.shape[1]) % 5] = 0.0  # next token = current length mod 5
        return out

    tokens = att.generate(vandal, [[0], [0]], 4, temperature=0.0)
    np.testing.assert_array_equal(tokens, [[0, 1, 2, 3, 4]] * 2)
    assert [s.shape[1] for s in seen] == [1, 2, 3, 4]
    np.testing.assert_array_equal(seen[-1], [[0, 1, 2, 3]] * 2)


def test_generate_with_huge_logits_does_not_overflow():
    tokens = att.generate(lambda t: np.tile([0.0, 1e300, -1e300], (t.shape[0], 1)), [[0]], 3)
    np.testing.assert_array_equal(tokens, [[0, 1, 1, 1]])


# ---- the shapes figure ----

def test_draw_attention_shapes_draws_boxes_to_scale():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    att.draw_attention_shapes(ax, n=6, d_model=5, d_k=2, d_v=4)
    boxes = {p.get_label(): (p.get_width(), p.get_height()) for p in ax.patches}
    assert boxes == {"X": (5, 6), "Q": (2, 6), "K": (2, 6), "V": (4, 6), "A": (6, 6), "Z": (4, 6)}
    plt.close(fig)


# ---- bad inputs: each names the argument ----

_R = np.random.default_rng(0)
Q, K, V = _R.standard_normal((3, 4)), _R.standard_normal((5, 4)), _R.standard_normal((5, 2))
X3 = _R.standard_normal((2, 4, 4)).astype(np.float32)


def _params():
    return att.params_from_keras(_built_layer())


def _with(name, transform):
    p = _params()
    p[name] = transform(p[name])
    return p


def _logits(t):
    return np.tile(np.arange(4.0), (t.shape[0], 1))


sdpa, mha, pfk, cn = (att.scaled_dot_product_attention, att.multi_head_attention, att.params_from_keras,
                      att.contribution_norms)
ce, tp, gen, shapes = (att.cross_entropy_with_logits, att.temperature_probabilities, att.generate,
                       att.draw_attention_shapes)
BAD = [
    ("sdpa q str", lambda: sdpa("a", K, V), TypeError, r"^q must be a numeric"),
    ("sdpa q nan", lambda: sdpa(Q * np.nan, K, V), ValueError, r"^q must be finite"),
    ("sdpa k inf", lambda: sdpa(Q, K * np.inf, V), ValueError, r"^k must be finite"),
    ("sdpa v nan", lambda: sdpa(Q, K, V * np.nan), ValueError, r"^v must be finite"),
    ("sdpa q 1d", lambda: sdpa(Q[0], K, V), ValueError, r"^q must have 2 or"),
    ("sdpa complex", lambda: sdpa(Q + 1j, K, V), TypeError, r"^q must be real"),
    ("sdpa bool", lambda: sdpa(Q > 0, K, V), TypeError, r"^q must be a numeric"),
    ("sdpa d", lambda: sdpa(Q[:, :3], K, V), ValueError, r"d=3 != k's 4"),
    ("sdpa d=0", lambda: sdpa(np.zeros((3, 0)), np.zeros((5, 0)), V),
     ValueError, r"^q must have shape .* d >= 1"),
    ("sdpa no query", lambda: sdpa(np.zeros((0, 4)), K, V), ValueError, r"^q must have shape .* T_q >= 1"),
    ("sdpa no key", lambda: sdpa(Q, np.zeros((0, 4)), np.zeros((0, 2))),
     ValueError, r"^k must have at least one key"),
    ("sdpa v rows", lambda: sdpa(Q, K, V[:4]), ValueError, r"^v must have one row"),
    ("sdpa lead k", lambda: sdpa(np.zeros((2, 3, 4)), np.zeros((3, 5, 4)), np.zeros((3, 5, 2))),
     ValueError, r"^k must have leading"),
    ("sdpa lead v", lambda: sdpa(np.zeros((2, 3, 4)), np.zeros((2, 5, 4)), np.zeros((3, 5, 2))),
     ValueError, r"^v must have leading"),
    ("sdpa overflow", lambda: sdpa(Q * 1e200, K * 1e200, V), ValueError,
     r"^q and k must be small enough"),
    ("sdpa mask float", lambda: sdpa(Q, K, V, np.ones((3, 5))), TypeError,
     r"^mask must be a boolean"),
    ("sdpa mask int", lambda: sdpa(Q, K, V, np.ones((3, 5), int)), TypeError,
     r"^mask must be a boolean"),
    ("sdpa mask str", lambda: sdpa(Q, K, V, "all"), TypeError, r"^mask must be a boolean"),
    ("sdpa mask shape", lambda: sdpa(Q, K, V, np.ones((3, 4), bool)), ValueError,
     r"^mask must broadcast to the weights' shape \(3, 5\)"),
    ("sdpa fully_masked", lambda: sdpa(Q, K, V, fully_masked="nan"), ValueError,
     r"^fully_masked must be one of 'zeros', 'uniform'"),
    ("mha params list", lambda: mha(X3, X3, params=[1]), TypeError, r"^params must be a dict"),
    ("mha params missing", lambda: mha(X3, X3, params={}), ValueError, r"^params is missing"),
    ("mha kernel nan", lambda: mha(X3, X3, params=_with("query_kernel", lambda a: a * np.nan)),
     ValueError, r"^params\['query_kernel'\] must be finite"),
    ("mha kernel 2d", lambda: mha(X3, X3, params=_with("query_kernel", lambda a: a[:, 0])),
     ValueError, r"^params\['query_kernel'\] must have 3 dimension"),
    ("mha key heads", lambda: mha(X3, X3, params=_with("key_kernel", lambda a: a[:, :1])),
     ValueError, r"^params\['key_kernel'\] must have shape \(\*, 2, 3\)"),
    ("mha bias", lambda: mha(X3, X3, params=_with("key_bias", lambda a: a[:1])),
     ValueError, r"^params\['key_bias'\] must have shape \(2, 3\)"),
    ("mha out kernel", lambda: mha(X3, X3, params=_with("output_kernel", lambda a: a[:, :2])),
     ValueError, r"^params\['output_kernel'\] must have shape \(2, 3, \*\)"),
    ("mha query 2d", lambda: mha(X3[0], X3, params=_params()), ValueError,
     r"^query must have 3 dimension"),
    ("mha query width", lambda: mha(X3[..., :3], X3, params=_params()), ValueError,
     r"^query must have feature size 4"),
    ("mha key width", lambda: mha(X3, X3, X3[..., :3], params=_params()), ValueError,
     r"^key must have feature size 4"),
    ("mha key length", lambda: mha(X3, X3, X3[:, :3], params=_params()), ValueError,
     r"^key must have the batch size and length of value"),
    ("mha batch", lambda: mha(X3[:1], X3, params=_params()), ValueError,
     r"^query must have the batch size of value \(2\)"),
    ("mha value nan", lambda: mha(X3, X3 * np.nan, params=_params()), ValueError,
     r"^value must be finite"),
    ("mha mask dtype", lambda: mha(X3, X3, params=_params(), mask=np.ones((2, 4, 4))),
     TypeError, r"^mask must be a boolean"),
    ("mha mask shape", lambda: mha(X3, X3, params=_params(), mask=np.ones((2, 4, 3), bool)),
     ValueError, r"^mask must broadcast to the weights' shape \(2, 4, 4\)"),
    ("pfk None", lambda: pfk(None), TypeError, r"^layer must be a keras.layers.MultiHeadAttention"),
    ("pfk dense", lambda: pfk(keras.layers.Dense(2)), TypeError, r"^layer must be a keras"),
    ("pfk unbuilt", lambda: pfk(keras.layers.MultiHeadAttention(1, 2)), ValueError,
     r"^layer must be a built"),
    ("pfk no bias", lambda: pfk(_built_no_bias()), ValueError, r"^layer must use biases"),
    ("cn negative", lambda: cn(-np.ones((3, 5)), V), ValueError, r"^weights must be non-negative"),
    ("cn nan", lambda: cn(np.ones((3, 5)), V * np.nan), ValueError, r"^values must be finite"),
    ("cn rows", lambda: cn(np.ones((3, 5)), V[:3]), ValueError, r"^values must have one row"),
    ("cn lead", lambda: cn(np.ones((2, 3, 4)), np.ones((3, 4, 2))), ValueError,
     r"^values must have leading"),
    ("cn str", lambda: cn("w", V), TypeError, r"^weights must be a numeric"),
    ("ce labels range", lambda: ce(np.zeros((2, 3)), [0, 3]), ValueError,
     r"^labels must be integers in \[0, 2\]"),
    ("ce labels float", lambda: ce(np.zeros((2, 3)), [0.5, 1]), ValueError,
     r"^labels must be integers"),
    ("ce labels shape", lambda: ce(np.zeros((2, 3)), [0, 1, 2]), ValueError,
     r"^labels must have shape \(2,\)"),
    ("ce logits nan", lambda: ce(np.full((2, 3), np.nan), [0, 1]), ValueError,
     r"^logits must be finite"),
    ("ce logits empty", lambda: ce(np.zeros((2, 0)), [0, 1]), ValueError,
     r"^logits must have at least 1"),
    ("tp T neg", lambda: tp([1.0, 2.0], -1.0), ValueError, r"^temperature must lie in"),
    ("tp T str", lambda: tp([1.0, 2.0], "hot"), TypeError, r"^temperature must be a real"),
    ("tp logits nan", lambda: tp([np.nan, 2.0], 1.0), ValueError, r"^logits must be finite"),
    ("gen fn", lambda: gen(3, [[0]], 2), TypeError, r"^next_logits must be callable"),
    ("gen prompt float", lambda: gen(_logits, [[0.5]], 2), ValueError, r"^prompt must hold non-negative"),
    ("gen prompt neg", lambda: gen(_logits, [[-1]], 2), ValueError, r"^prompt must hold non-negative"),
    ("gen prompt empty", lambda: gen(_logits, np.zeros((2, 0)), 2), ValueError, r"^prompt must have shape"),
    ("gen no prompt", lambda: gen(_logits, np.zeros((0, 1)), 2), ValueError,
     r"^prompt must have shape .*B >= 1"),
    ("gen prompt 1d", lambda: gen(_logits, [0, 1], 2), ValueError, r"^prompt must have 2 dimension"),
    ("gen steps", lambda: gen(_logits, [[0]], -1), ValueError, r"^steps must lie in \[0, inf\]"),
    ("gen steps float", lambda: gen(_logits, [[0]], 2.0), TypeError, r"^steps must be an integer"),
    ("gen T", lambda: gen(_logits, [[0]], 2, temperature=np.nan), ValueError, r"^temperature must be finite"),
    ("gen seed", lambda: gen(_logits, [[0]], 2, seed="a"), TypeError, r"^seed must be a non-negative"),
    ("gen output nan", lambda: gen(lambda t: _logits(t) * np.nan, [[0]], 2), ValueError,
     r"^next_logits\(tokens\) must be finite"),
    ("gen output shape", lambda: gen(lambda t: _logits(t)[:, None], [[0]], 2), ValueError,
     r"^next_logits\(tokens\) must return logits of shape \(B, V\)"),
    ("gen output str", lambda: gen(lambda t: "x", [[0]], 2), TypeError,
     r"^next_logits\(tokens\) must return a numeric"),
    ("shapes n", lambda: shapes(None, n=0), ValueError, r"^n must lie in \[1, 12\]"),
    ("shapes ax", lambda: shapes("ax"), TypeError, r"^ax must be a matplotlib Axes"),
]


def _built_no_bias():
    layer = keras.layers.MultiHeadAttention(num_heads=1, key_dim=2, use_bias=False)
    x = np.zeros((1, 2, 3), np.float32)
    layer(x, x)
    return layer


@pytest.mark.parametrize(("call", "error", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_every_public_function_has_bad_input_cases():
    covered = " ".join(b[0].split()[0] for b in BAD)
    short = {"scaled_dot_product_attention": "sdpa", "multi_head_attention": "mha",
             "params_from_keras": "pfk", "contribution_norms": "cn", "cross_entropy_with_logits": "ce",
             "temperature_probabilities": "tp", "generate": "gen", "draw_attention_shapes": "shapes"}
    assert set(short) == set(att.__all__)
    assert all(short[name] in covered.split() for name in att.__all__)
