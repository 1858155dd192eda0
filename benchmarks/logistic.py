"""Logistic-regression solvers: scikit-learn's vs ours, same objective, same tolerance.

scikit-learn minimises F / (C n) (the mean loss) and tests its tolerance on that gradient;
ours tests the gradient of F itself, so the same stopping rule is tol_ours = tol * C * n.
For sag and saga both test the relative change of the weights over an epoch, and for
liblinear (L1) both test the summed optimality violation relative to its start: same tol.
Each row also reports the largest coefficient difference between the two answers.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import StandardScaler

from mlnotes import logistic, timing

SIZES = {"full": (20_000, 100), "small": (2_000, 20)}


def run(size: str | tuple[int, int] = "full", repeat: int = 3) -> list[dict[str, object]]:
    """One row per solver: ours and scikit-learn's on an n x d problem ("full", "small" or (n, d)).

    Each fit is timed ``repeat`` times and the fastest kept; no separate warm-up call (a fit
    compiles nothing, and a slow first fit is dropped by the minimum).
    """
    n, d = SIZES[size] if isinstance(size, str) else size
    x, y = make_classification(n_samples=n, n_features=d, n_informative=d // 2, n_redundant=0, random_state=0)
    x = StandardScaler().fit_transform(x)
    rows = []
    for solver, penalty in [("lbfgs", "l2"), ("newton-cg", "l2"), ("newton-cholesky", "l2"), ("sag", "l2"),
                            ("saga", "l2"), ("liblinear", "l1")]:
        # sag, saga and liblinear use scikit-learn's own (relative) stopping rules
        tol = 1e-4 if solver in ("sag", "saga", "liblinear") else 1e-4 * n  # C = 1
        ours_model = logistic.LogisticRegression(solver=solver, penalty=penalty, tol=tol, max_iter=1000)
        kwargs = {"l1_ratio": 1.0} if penalty == "l1" else {}
        ref_model = SkLogistic(solver=solver, tol=1e-4, max_iter=1000, random_state=0, **kwargs)
        ref = timing.best_seconds(lambda m=ref_model: m.fit(x, y), number=1, repeat=repeat, warmup=False)
        ours = timing.best_seconds(lambda m=ours_model: m.fit(x, y), number=1, repeat=repeat, warmup=False)
        gap = np.abs(ours_model.coef_ - ref_model.coef_).max()
        rows.append({
            "benchmark": f"logistic regression {n}x{d}, {solver} ({penalty.upper()}); "
                         f"max coef diff {gap:.0e}",
            "solver": solver,
            "n_samples": n,
            "baseline": f"scikit-learn {solver}",
            "baseline_ms": 1e3 * ref,
            "ours": f"mlnotes {solver}",
            "ours_ms": 1e3 * ours,
            "speedup": ref / ours,
        })
    return rows
