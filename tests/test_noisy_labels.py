"""mlnotes.noisy_labels: the channel layer stays column-stochastic and recovers a known noise;
the compiled training loop reproduces Keras' fit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import make_blobs

from mlnotes import noisy_labels as nl
from mlnotes import probability as prob
from mlnotes.tf_env import keras, set_seed, tf

BLOBS = {"centers": [[-1.5, 0], [1.5, 0], [0, 2.6]], "random_state": 0}
T = np.array([[0.6, 0.0, 0.0], [0.4, 0.8, 0.0], [0.0, 0.2, 1.0]])


@settings(max_examples=30, deadline=None)
@given(q=arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 5)), elements=st.floats(-50, 50)),
       shift=st.floats(-1e6, 1e6))
def test_tensorflow_projection_equals_the_numpy_one_and_ignores_shifts(q, shift):
    got = nl.project_columns_to_simplex(tf.constant(q)).numpy()
    np.testing.assert_allclose(got, prob.project_to_simplex(q, axis=0), atol=1e-9)
    shifted = nl.project_columns_to_simplex(tf.constant(q + shift)).numpy()
    np.testing.assert_allclose(shifted, got, atol=1e-9 + 1e-15 * abs(shift) * q.shape[0])


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_tensorflow_projection_at_extreme_scales(dtype):
    big = 3e38 if dtype == tf.float32 else 1e308
    q = tf.constant([[1e17, 0.0, big, 1e-30], [0.0, 1e17, -big, 0.0]], dtype)
    expected = [[1, 0, 1, 0.5], [0, 1, 0, 0.5]]
    np.testing.assert_allclose(nl.project_columns_to_simplex(q).numpy(), expected, atol=1e-6)


def test_flip_labels_follows_the_channel():
    y = np.repeat(np.arange(3), 20_000)
    noisy = nl.flip_labels(y, T, seed=1)
    empirical = np.array([[np.mean(noisy[y == j] == i) for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(empirical, T, atol=0.01)
    assert np.all(noisy[y == 2] == 2)  # a column with a single 1 never flips
    np.testing.assert_array_equal(nl.flip_labels(y, np.eye(3), seed=5), y)


@pytest.fixture(scope="module")
def noisy_blobs():
    x, y = make_blobs(n_samples=1500, **BLOBS)
    return x, y, nl.flip_labels(y, T, seed=0)


@pytest.mark.parametrize("mode", ["softmax", "projection"])
def test_channel_is_column_stochastic_and_recovers_a_known_noise(mode, noisy_blobs):
    x, y, noisy = noisy_blobs
    fit = nl.fit_softmax_classifier(x, noisy, 3, channel=mode, epochs=60)
    q = fit.channel.transition_matrix()
    assert np.all(q >= -1e-7)
    np.testing.assert_allclose(q.sum(axis=0), 1.0, atol=1e-5)
    np.testing.assert_allclose(q, T, atol=0.06)
    plain = nl.fit_softmax_classifier(x, noisy, 3, epochs=60)
    assert plain.channel is None
    accuracy = {name: np.mean(np.argmax(m.predict(x, verbose=0), axis=1) == y)
                for name, m in [("channel", fit.classifier), ("plain", plain.classifier)]}
    assert accuracy["channel"] > accuracy["plain"] + 0.05
    assert fit.history["loss"].shape == (60,) and fit.history["loss"][-1] < fit.history["loss"][0]


def test_resoftmax_constraint_drags_the_channel_towards_uniform(noisy_blobs):
    x, _, noisy = noisy_blobs
    q = nl.fit_softmax_classifier(x, noisy, 3, channel="resoftmax", epochs=60).channel.transition_matrix()
    np.testing.assert_allclose(q.sum(axis=0), 1.0, atol=1e-5)
    # the true T and the starting point (0.8 on the diagonal) are both far from uniform; Q is not
    assert np.abs(q - 1 / 3).max() < 0.1 < np.abs(T - 1 / 3).max()


@pytest.mark.parametrize("channel", [None, "projection"])
def test_compiled_loop_reproduces_keras_fit_on_full_batches(channel):
    x, y = make_blobs(n_samples=300, **BLOBS)
    ours = nl.fit_softmax_classifier(x, y, 3, channel=channel, epochs=5, batch_size=300, learning_rate=0.1,
                                     seed=3)
    # the same model, built after the same seeding, trained by Keras' own fit (one batch: no shuffling)
    set_seed(3)
    inputs = keras.Input((2,))
    clean = keras.layers.Dense(3, activation="softmax")(inputs)
    layer = None if channel is None else nl.NoisyChannel(3, mode=channel, diagonal=0.8)
    model = keras.Model(inputs, clean if layer is None else layer(clean))
    model.compile(keras.optimizers.Adam(0.1), "sparse_categorical_crossentropy")
    history = model.fit(x.astype(np.float32), y, epochs=5, batch_size=300, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours.history["loss"], history.history["loss"], rtol=1e-5)
    for a, b in zip(ours.classifier.get_weights(), keras.Model(inputs, clean).get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_divergent_training_is_reported():
    x, y = make_blobs(n_samples=50, **BLOBS)
    with pytest.raises(FloatingPointError, match="training loss became"):
        nl.fit_softmax_classifier(x * 1e37, y, 3, epochs=3, learning_rate=1e30)


X4, Y4 = np.zeros((4, 2)), [0, 1, 2, 0]
FIT = nl.fit_softmax_classifier
BAD_INPUTS = [
    (nl.flip_labels, ([0, 1], np.ones((2, 2))), {}, ValueError, "transition must be column-stochastic"),
    (nl.flip_labels, ([0, 1], np.ones((2, 3)) / 2), {}, ValueError, "transition must be a square matrix"),
    (nl.flip_labels, ([0], np.ones((1, 1))), {}, ValueError, "at least 2 classes"),
    (nl.flip_labels, ([0, 1], [[1.0, np.nan], [0.0, 1.0]]), {}, ValueError, "transition must be finite"),
    (nl.flip_labels, ([0, 5], np.eye(2)), {}, ValueError, r"labels must be integers in 0\.\.1"),
    (nl.flip_labels, ([0.0, 1.0], np.eye(2)), {}, TypeError, "labels must be integers"),
    (nl.flip_labels, ([], np.eye(2)), {}, TypeError, "labels must be integers"),
    (nl.flip_labels, (np.array([], int), np.eye(2)), {}, ValueError, "labels must have shape"),
    (nl.flip_labels, ([[0, 1]], np.eye(2)), {}, ValueError, "labels must have shape"),
    (nl.flip_labels, ([0, 1], np.eye(2)), {"seed": "a"}, TypeError, "seed must be a non-negative integer"),
    (nl.NoisyChannel, (3,), {"mode": "clip"}, ValueError, "mode must be one of"),
    (nl.NoisyChannel, (3,), {"diagonal": 1.0}, ValueError, "diagonal must lie in"),
    (nl.NoisyChannel, (1,), {}, ValueError, "n_classes must lie in"),
    (nl.NoisyChannel, (3.0,), {}, TypeError, "n_classes must be an integer"),
    (nl.project_columns_to_simplex, (np.zeros(3),), {}, ValueError, "q must have 2 dimension"),
    (nl.project_columns_to_simplex, (tf.zeros(3),), {}, ValueError, "q must have 2 dimension"),
    (nl.project_columns_to_simplex, ([[0.0, np.nan]],), {}, ValueError, "q must be finite"),
    (nl.project_columns_to_simplex, (tf.constant([[0.0, np.inf]]),), {}, ValueError, "q must be finite"),
    (nl.project_columns_to_simplex, (tf.constant([[1, 2]]),), {}, TypeError, "q must be a floating-point"),
    (nl.SimplexColumns(), (tf.zeros(3),), {}, ValueError, "w must have 2 dimension"),
    (FIT, (X4, [0, 1, 2, 3], 3), {}, ValueError, r"noisy_labels must be integers in 0\.\.2"),
    (FIT, (X4, [0, 1, 2], 3), {}, ValueError, r"noisy_labels must have shape \(4,\)"),
    (FIT, (X4, [0.0, 1.0, 2.0, 0.0], 3), {}, TypeError, "noisy_labels must be integers"),
    (FIT, (np.zeros((0, 2)), [], 3), {}, ValueError, "x must have at least 1 row"),
    (FIT, (X4 + 1e39, [0, 1, 2, 0], 3), {}, ValueError, "x must lie within float32"),
    (FIT, (X4 + np.nan, [0, 1, 2, 0], 3), {}, ValueError, "x must be finite"),
    (FIT, (np.zeros(4), [0, 1, 2, 0], 3), {}, ValueError, "x must have 2 dimension"),
    (FIT, (X4, Y4, 3), {"learning_rate": -1.0}, ValueError,
     "learning_rate must lie in"),
    (FIT, (X4, Y4, 3), {"learning_rate": 0.0}, ValueError,
     "learning_rate must lie in"),
    (FIT, (X4, Y4, 3), {"batch_size": 0}, ValueError, "batch_size must lie in"),
    (FIT, (X4, Y4, 3), {"epochs": 0}, ValueError, "epochs must lie in"),
    (FIT, (X4, Y4, 3), {"seed": -2}, ValueError, "seed must be a non-negative"),
    (FIT, (X4, Y4, 3), {"channel": "clip"}, ValueError, "channel must be one of"),
    (FIT, (X4, [0, 1, 0, 0], 1), {}, ValueError, "n_classes must lie in"),
]


def _name(func):
    return type(func).__name__ if isinstance(func, nl.SimplexColumns) else func.__name__


@pytest.mark.parametrize(("func", "args", "kwargs", "error", "match"), BAD_INPUTS,
                         ids=[f"{_name(b[0])}-{i}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_inputs_raise_a_clear_error(func, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        func(*args, **kwargs)


def test_every_public_callable_has_a_bad_input_case():
    covered = {_name(b[0]) for b in BAD_INPUTS}
    # ChannelFit is a plain result record; SoftmaxColumns (the pitfall) accepts any tensor softmax accepts
    assert set(nl.__all__) - {"ChannelFit", "SoftmaxColumns"} <= covered
