"""mlnotes.attention_models: trainable positions, one initialiser per matrix, logits, causal generation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from mlnotes import attention as att
from mlnotes import attention_models as am
from mlnotes.tf_env import keras, set_seed


@pytest.fixture(scope="module")
def built():
    return am.sequence_attention_model(6, 7, d_model=8, num_heads=2, seed=3)


def test_every_embedding_is_a_trainable_weight(built):
    model, _ = built
    paths = [w.path for w in model.trainable_weights]
    assert "position_embedding/table" in paths and "token_embedding/embeddings" in paths
    assert {w.path for w in model.weights} == set(paths)
    table = model.get_layer("position_embedding").table
    assert tuple(table.shape) == (6, 8)


def test_training_moves_the_position_table():
    set_seed(0)
    model, _ = am.sequence_attention_model(4, 5, d_model=8, seed=1)
    before = model.get_layer("position_embedding").table.numpy().copy()
    model.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    tokens = np.random.default_rng(0).integers(0, 5, (16, 4))
    model.fit(tokens, tokens[:, ::-1], epochs=1, batch_size=16, verbose=0)
    assert np.abs(model.get_layer("position_embedding").table.numpy() - before).max() > 1e-4


def _kernels(model):
    a = model.get_layer("attention")
    mats = {"query": a.query_dense.kernel, "key": a.key_dense.kernel, "value": a.value_dense.kernel,
            "output": a.output_dense.kernel, "tokens": model.get_layer("token_embedding").embeddings,
            "positions": model.get_layer("position_embedding").table,
            "logits": model.get_layer("logits").kernel}
    return {k: v.numpy().reshape(-1) for k, v in mats.items()}


def test_no_two_matrices_start_equal_or_proportional(built):
    kernels = _kernels(built[0])
    names = sorted(kernels)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            x, y = kernels[a], kernels[b]
            n = min(x.size, y.size)
            corr = np.corrcoef(x[:n], y[:n])[0, 1]
            assert abs(corr) < 0.6, (a, b, corr)  # the shared initialiser gave exactly 1 for Q, K, V
    # the position row p is not a multiple of the token row p
    tokens, positions = (built[0].get_layer(n).get_weights()[0]
                         for n in ("token_embedding", "position_embedding"))
    for p in range(6):
        cos = tokens[p] @ positions[p] / np.linalg.norm(tokens[p]) / np.linalg.norm(positions[p])
        assert abs(cos) < 0.99


def test_projections_keep_keras_glorot_scale():
    """Re-drawn kernels use EinsumDense's fans: limit sqrt(6 / (fan_in + fan_out))."""
    model, _ = am.sequence_attention_model(4, 5, d_model=48, num_heads=3, seed=0)
    a = model.get_layer("attention")
    for dense, fans in [(a.query_dense, 48 + 48), (a.value_dense, 48 + 48), (a.output_dense, 48 + 48)]:
        limit = np.sqrt(6 / fans)
        k = dense.kernel.numpy()
        assert 0.9 * limit < np.abs(k).max() <= limit
        assert abs(k.std() - limit / np.sqrt(3)) < 0.05 * limit


def test_shared_initializer_reproduces_the_earlier_flaw():
    model, _ = am.sequence_attention_model(4, 5, d_model=8, seed=0, shared_initializer=True)
    a = model.get_layer("attention")
    np.testing.assert_array_equal(a.query_dense.kernel.numpy(), a.key_dense.kernel.numpy())
    np.testing.assert_array_equal(a.query_dense.kernel.numpy(), a.value_dense.kernel.numpy())


def test_the_seed_fixes_the_initial_model():
    a = _kernels(am.sequence_attention_model(5, 4, d_model=4, seed=2)[0])
    b = _kernels(am.sequence_attention_model(5, 4, d_model=4, seed=2)[0])
    c = _kernels(am.sequence_attention_model(5, 4, d_model=4, seed=9)[0])
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert all(not np.array_equal(a[k], c[k]) for k in a)


def test_model_returns_logits_and_attention_matches_numpy(built):
    model, scores_model = built
    tokens = np.random.default_rng(1).integers(0, 7, (3, 6))
    logits = np.asarray(model(tokens))
    assert logits.shape == (3, 6, 7)
    assert np.abs(logits.sum(axis=-1) - 1).max() > 1e-3 or logits.min() < 0  # not probabilities
    # rebuild the whole forward pass in NumPy from the weights: embeddings, attention, output layer
    x = (model.get_layer("token_embedding").embeddings.numpy()[tokens]
         + model.get_layer("position_embedding").table.numpy())
    z, scores = att.multi_head_attention(x, x, params=att.params_from_keras(model.get_layer("attention")))
    kernel, bias = model.get_layer("logits").get_weights()
    np.testing.assert_allclose(z @ kernel + bias, logits, atol=1e-4)
    np.testing.assert_allclose(scores, np.asarray(scores_model(tokens)), atol=1e-5)


def test_causal_model_ignores_the_future_and_next_token_logits_reads_the_last_position():
    model, scores_model = am.sequence_attention_model(6, 5, d_model=8, seed=4, causal=True)
    assert model.causal is True
    tokens = np.random.default_rng(2).integers(0, 5, (4, 6))
    changed = tokens.copy()
    changed[:, 3:] = (changed[:, 3:] + 1) % 5
    full, other = np.asarray(model(tokens)), np.asarray(model(changed))
    np.testing.assert_allclose(full[:, :3], other[:, :3], atol=1e-6)
    assert np.abs(full[:, 3:] - other[:, 3:]).max() > 1e-4
    np.testing.assert_array_equal(np.triu(np.asarray(scores_model(tokens))[0, 0], k=1), 0.0)
    step = am.next_token_logits(model)
    for t in (1, 3, 6):
        np.testing.assert_allclose(step(tokens[:, :t]), full[:, t - 1], atol=1e-6)


def test_generation_with_a_trained_causal_model_learns_a_markov_chain():
    """Trained on a known chain, the model's next-token distribution is the chain's row."""
    set_seed(0)
    p = np.full((4, 4), 0.05)
    p[np.arange(4), (np.arange(4) + 1) % 4] += 0.8
    p /= p.sum(axis=1, keepdims=True)
    seqs = att.generate(lambda t: np.log(p[t[:, -1]]), np.random.default_rng(0).integers(0, 4, (1500, 1)), 6)
    model, _ = am.sequence_attention_model(6, 4, d_model=8, seed=0, causal=True)
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(seqs[:, :-1], seqs[:, 1:], epochs=8, batch_size=64, verbose=0)
    step = am.next_token_logits(model)
    prompts = np.arange(4)[:, None]
    np.testing.assert_allclose(scipy.special.softmax(step(prompts), axis=1), p, atol=0.05)
    out = att.generate(step, prompts, 3, temperature=0.0)
    # greedy decoding follows the likeliest path, one step forward each time
    np.testing.assert_array_equal(out, (np.arange(4)[:, None] + np.arange(4)) % 4)


def test_position_embedding_refuses_another_length():
    layer = am.PositionEmbedding(4)
    with pytest.raises(ValueError, match=r"inputs must have shape \(B, 4, d\)"):
        layer(np.zeros((1, 5, 3), np.float32))


_CAUSAL = None


def _causal():
    global _CAUSAL
    if _CAUSAL is None:
        _CAUSAL = am.sequence_attention_model(4, 6, d_model=4, causal=True)[0]
    return _CAUSAL


sam, ntl = am.sequence_attention_model, am.next_token_logits
BAD = [
    ("length 1", lambda: sam(1, 10), ValueError, r"^length must lie in \[2, inf\]"),
    ("length float", lambda: sam(4.0, 10), TypeError, r"^length must be an integer"),
    ("vocab", lambda: sam(4, 1.5), TypeError, r"^vocab must be an integer"),
    ("d_model", lambda: sam(4, 10, d_model=0), ValueError, r"^d_model must lie in"),
    ("heads > d", lambda: sam(4, 10, d_model=2, num_heads=4), ValueError,
     r"^num_heads must lie in \[1, 2\]"),
    ("seed str", lambda: sam(4, 10, seed="a"), TypeError, r"^seed must be a non-negative"),
    ("seed negative", lambda: sam(4, 10, seed=-1), ValueError, r"^seed must be a non-neg"),
    ("causal str", lambda: sam(4, 10, causal="yes"), TypeError, r"^causal must be True"),
    ("shared str", lambda: sam(4, 10, shared_initializer=1), TypeError, r"^shared_initializer must be True"),
    ("position length", lambda: am.PositionEmbedding(0), ValueError, r"^length must lie in \[1, inf\]"),
    ("position seed", lambda: am.PositionEmbedding(3, seed=None), TypeError, r"^seed must be a non-negative"),
    ("ntl not causal", lambda: ntl(sam(4, 6, d_model=4)[0]), ValueError,
     r"^model must be a causal model"),
    ("ntl not a model", lambda: ntl("m"), ValueError, r"^model must be a causal model"),
    ("ntl too long", lambda: ntl(_causal())(np.zeros((1, 5))), ValueError,
     r"^tokens must have shape \(B, t\) with 1 <= t <= 4"),
    ("ntl empty", lambda: ntl(_causal())(np.zeros((1, 0))), ValueError, r"^tokens must have shape"),
    ("ntl vocab", lambda: ntl(_causal())(np.full((1, 2), 6)), ValueError,
     r"^tokens must be integer token ids in \[0, 5\]"),
    ("ntl float", lambda: ntl(_causal())(np.full((1, 2), 0.5)), ValueError,
     r"^tokens must be integer token ids"),
    ("ntl nan", lambda: ntl(_causal())(np.full((1, 2), np.nan)), ValueError,
     r"^tokens must be finite"),
]


@pytest.mark.parametrize(("call", "error", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
