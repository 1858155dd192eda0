"""TensorFlow and Keras, imported quietly, and a seed for reproducible runs.

The modules whose subject is TensorFlow, and the notebooks, take ``tf`` and
``keras`` from here: ``from mlnotes.tf_env import tf, keras, set_seed``.

TensorFlow writes C++ log lines (CUDA probing, oneDNN notices) straight to file
descriptor 2 while it loads and while it creates its first device context.
Jupyter forwards that descriptor into notebook outputs, so the book would show
them on every page. We set ``TF_CPP_MIN_LOG_LEVEL`` and mute descriptor 2 only
for the import and the first operation; Python warnings and errors afterwards are
untouched. Set ``MLNOTES_TF_VERBOSE=1`` to see everything.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def _stderr_muted() -> Iterator[None]:
    if os.environ.get("MLNOTES_TF_VERBOSE") == "1":
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# 3 also hides C++ "E" lines that tf.data prints during Keras fit (harmless graph-attribute notes).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with _stderr_muted():
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402

    tf.constant(0.0) + 1.0  # creates the device context, which logs too
tf.get_logger().setLevel("ERROR")

__all__ = ["keras", "set_seed", "tf"]


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's kernels deterministic.

    With this, a notebook prints the same numbers on every run on the same machine
    (different CPUs may still differ in the last float32 digits).

    References
    ----------
    ``keras.utils.set_random_seed`` and ``tf.config.experimental.enable_op_determinism``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise TypeError(f"seed must be a non-negative int; got {seed!r}")
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
