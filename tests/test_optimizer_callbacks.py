"""mlnotes.optimizer_callbacks.DeltaRecorder against Keras' own optimiser state and our NumPy replay."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes import optimizers
from mlnotes.optimizer_callbacks import DeltaRecorder
from mlnotes.tf_env import keras, set_seed, tf


def small_model(seed: int = 0) -> keras.Model:
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([keras.Input((3,), dtype="float64"),
                             keras.layers.Dense(4, activation="tanh", kernel_initializer=init,
                                                dtype="float64"),
                             keras.layers.Dense(1, kernel_initializer=init, dtype="float64")])


def data(seed: int = 0, n: int = 24):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    return x, np.sin(x[:, :1]) + 0.1 * rng.standard_normal((n, 1))


@pytest.mark.parametrize(("optimizer", "batch_size", "epochs"), [
    (lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.9), 8, 2),
    (lambda: keras.optimizers.SGD(learning_rate=0.05), 24, 3),
    (lambda: keras.optimizers.Adam(learning_rate=0.01), 5, 1),
])
def test_deltas_add_up_to_the_change_over_fit(optimizer, batch_size, epochs):
    set_seed(0)
    x, y = data()
    model = small_model()
    start = model.get_weights()
    model.compile(optimizer=optimizer(), loss="mse")
    recorder = DeltaRecorder()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0, callbacks=[recorder])
    steps = epochs * int(np.ceil(len(x) / batch_size))
    assert len(recorder.deltas) == steps and recorder.before == []
    for i, (w0, w1) in enumerate(zip(start, model.get_weights(), strict=True)):
        total = sum(d[i] for d in recorder.deltas)
        np.testing.assert_allclose(total, w1 - w0, rtol=1e-10, atol=1e-14)
        assert all(d[i].shape == w0.shape for d in recorder.deltas)


def test_deltas_equal_minus_the_rmsprop_momentum_variable_and_our_replay():
    set_seed(0)
    x, y = data(1, 16)
    model = small_model(1)
    opt = keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.9)
    mse = keras.losses.MeanSquaredError(dtype="float64")  # Keras' default float32 loss would round
    model.compile(optimizer=opt, loss=mse)
    recorder = DeltaRecorder(keep_weights=True)
    model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0, callbacks=[recorder])
    momentums = [v.numpy() for v in opt.variables if v.name.endswith("_momentum")]
    for d, m in zip(recorder.deltas[-1], momentums, strict=True):
        np.testing.assert_allclose(d, -m, rtol=1e-9, atol=1e-15)
    # Replay with our optimiser from the recorded weights: the same deltas.
    ours = optimizers.RMSProp(learning_rate=float(np.float32(0.01)), momentum=0.9)  # Keras: lr in float32
    twin = small_model(1)
    for before, delta in zip(recorder.before, recorder.deltas, strict=True):
        twin.set_weights(before)
        with tf.GradientTape() as tape:
            loss = mse(y, twin(x))
        grads = [g.numpy() for g in tape.gradient(loss, twin.trainable_variables)]
        ours.step(before, grads)
        for a, b in zip(ours.last_deltas, delta, strict=True):
            # fit computes the gradient in a compiled graph (float32 pieces, another summation
            # order): a small gradient with cancellation differs in its last digits, so the
            # tolerance is relative to the largest delta, as in the notebook
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6 * np.max(np.abs(b)))


def test_a_second_fit_starts_a_fresh_record():
    x, y = data(2, 8)
    model = small_model(2)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    recorder = DeltaRecorder()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[recorder])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[recorder])
    assert len(recorder.deltas) == 1


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_keep_weights_must_be_a_bool(bad):
    with pytest.raises(TypeError, match="keep_weights must be True or False"):
        DeltaRecorder(keep_weights=bad)


def test_end_without_begin_is_an_error():
    recorder = DeltaRecorder()
    recorder.set_model(small_model())
    with pytest.raises(RuntimeError, match="without its start"):
        recorder.on_train_batch_end(0)
