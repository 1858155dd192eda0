"""mlnotes.networks.make_mlp: architecture, reproducibility and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes import gradients, networks
from mlnotes.tf_env import keras


def test_architecture_matches_a_hand_built_keras_model():
    net = networks.make_mlp(3, 2, hidden=(5, 4), activation="relu", seed=7)
    dense = [layer for layer in net.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [5, 4, 2]
    assert [d.activation.__name__ for d in dense] == ["relu", "relu", "linear"]
    # recompute the forward pass from the weights with NumPy
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    h = x
    for d in dense[:-1]:
        w, b = (v.numpy() for v in d.weights)
        h = np.maximum(h @ w + b, 0.0)
    w, b = (v.numpy() for v in dense[-1].weights)
    np.testing.assert_allclose(net(x).numpy(), h @ w + b, rtol=1e-5, atol=1e-6)


def test_seeds_fix_the_weights():
    a = networks.make_mlp(2, 1, hidden=(3,), seed=4)
    b = networks.make_mlp(2, 1, hidden=(3,), seed=4)
    c = networks.make_mlp(2, 1, hidden=(3,), seed=5)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    # the output layer follows output_seed; the hidden layers do not depend on it
    d = networks.make_mlp(2, 1, hidden=(3,), seed=4, output_seed=99)
    np.testing.assert_array_equal(a.get_weights()[0], d.get_weights()[0])
    assert not np.array_equal(a.get_weights()[2], d.get_weights()[2])
    # default output seed is seed + len(hidden)
    e = networks.make_mlp(2, 1, hidden=(3,), seed=4, output_seed=5)
    np.testing.assert_array_equal(a.get_weights()[2], e.get_weights()[2])


def test_no_hidden_layer_is_linear_and_name_is_kept():
    net = networks.make_mlp(4, 3, hidden=(), name="linear_model")
    assert net.name == "linear_model"
    assert len(net.get_weights()) == 2
    w, b = net.get_weights()
    x = np.eye(4, dtype=np.float32)
    np.testing.assert_allclose(net(x).numpy(), w + b, rtol=1e-6)


def test_gradients_reexports_the_same_builder():
    assert gradients.make_mlp is networks.make_mlp


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_inputs": 0}, ValueError, "n_inputs"),
        ({"n_inputs": 2.5}, TypeError, "n_inputs"),
        ({"n_outputs": True}, TypeError, "n_outputs"),
        ({"hidden": None}, TypeError, "hidden"),
        ({"hidden": 8}, TypeError, "hidden"),
        ({"hidden": (8, 0)}, ValueError, "hidden"),
        ({"hidden": (8, 2.0)}, TypeError, "hidden"),
        ({"activation": "no-such-activation"}, ValueError, "activation"),
        ({"activation": None}, TypeError, "activation"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": "abc"}, TypeError, "seed"),
        ({"output_seed": 1.5}, TypeError, "output_seed"),
        ({"name": 3}, TypeError, "name"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    args = {"n_inputs": 2, "n_outputs": 1, **kwargs}
    with pytest.raises(error, match=match):
        networks.make_mlp(**args)


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh", "sigmoid", "softplus"])
def test_mlp_apply_reproduces_the_keras_model_in_numpy_and_jax(activation):
    import jax.numpy as jnp

    net = networks.make_mlp(3, 2, hidden=(6, 5), activation=activation, seed=3)
    x = np.random.default_rng(1).standard_normal((7, 3)).astype(np.float32)
    layers = networks.dense_layers(net)
    assert [w.shape for w, _, _ in layers] == [(3, 6), (6, 5), (5, 2)]
    assert [name for _, _, name in layers] == [activation, activation, "linear"]
    want = net(x).numpy()
    np.testing.assert_allclose(networks.mlp_apply(layers, x), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(networks.mlp_apply(layers, x, jnp)), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(networks.mlp_apply(layers, x[0]), want[0], rtol=1e-5, atol=1e-6)


def test_hidden_preactivations_locate_the_relu_kinks():
    net = networks.make_mlp(1, 1, hidden=(4,), activation="relu", seed=0)
    (w, b, _), _ = networks.dense_layers(net)
    x = np.linspace(-3, 3, 7)[:, None]
    (z,) = networks.hidden_preactivations(net, x)
    np.testing.assert_allclose(z, x @ w + b, rtol=1e-6)
    # each unit's pre-activation vanishes at its kink -b/w
    kinks = (-b / w[0])[None, :]
    np.testing.assert_allclose(networks.hidden_preactivations(net, kinks.T)[0].diagonal(), 0.0, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: networks.dense_layers("model"), TypeError, "model must be a Keras model"),
        (lambda: networks.dense_layers(keras.Sequential([keras.Input((2,)), keras.layers.Dropout(0.1)])),
         ValueError, "at least one Dense layer"),
        (lambda: networks.dense_layers(keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, "elu")])),
         ValueError, "activation of layer"),
        (lambda: networks.mlp_apply([], np.zeros(2)), TypeError, "layers must be a non-empty list"),
        (lambda: networks.mlp_apply(networks.dense_layers(networks.make_mlp(2, 1)), np.zeros(3)), ValueError,
         "x must have 2 features"),
        (lambda: networks.mlp_apply(networks.dense_layers(networks.make_mlp(2, 1)), [np.nan, 0.0]),
         ValueError, "x must be finite"),
        (lambda: networks.hidden_preactivations(networks.make_mlp(2, 1), np.zeros(2)), ValueError,
         "x must have 2 dimension"),
        (lambda: networks.hidden_preactivations(networks.make_mlp(2, 1), np.zeros((3, 3))), ValueError,
         r"x must have shape \(n, 2\)"),
    ],
)
def test_helpers_refuse_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
