"""Savitzky-Golay filtering of a 128 x 128 x 200 cube: scipy.signal.savgol_filter vs savgol_cube,
and the per-pixel polyfit loop vs savgol_cube on a corner of the cube."""

from __future__ import annotations

from scipy.signal import savgol_filter

from mlnotes import data, signal, timing


def run(size: str = "full") -> list[dict[str, object]]:
    height = 128 if size == "full" else 64
    _, cube, _ = data.hyperspectral_cube(height, height, 200, seed=0)
    rows = []
    for deriv, label in [(0, "smoothing"), (2, "second derivative")]:
        # d=deriv binds this iteration's order (a bare closure would see the last one);
        # one call per run: each takes tens of milliseconds, far above the clock's resolution
        ref = timing.best_seconds(
            lambda d=deriv: savgol_filter(cube, 11, 3, deriv=d, axis=-1, mode="interp"), number=1
        )
        ours = timing.best_seconds(
            lambda d=deriv: signal.savgol_cube(cube, 11, 3, deriv=d, axis=-1), number=1
        )
        rows.append({
            "benchmark": f"Savitzky-Golay {label}, {height}x{height}x200 cube",
            "baseline": "scipy.signal.savgol_filter",
            "baseline_ms": 1e3 * ref,
            "ours": "signal.savgol_cube",
            "ours_ms": 1e3 * ours,
            "speedup": ref / ours,
        })
    # the per-pixel polyfit loop costs minutes on the whole cube: time it on a corner of it
    side = 16 if size == "full" else 4
    corner = cube[:side, :side]
    loop = timing.best_seconds(
        lambda: signal.savgol_polyfit_reference(corner, 11, 3, deriv=2), number=1, repeat=1, warmup=False
    )
    ours = timing.best_seconds(lambda: signal.savgol_cube(corner, 11, 3, deriv=2))
    rows.append({
        "benchmark": f"Savitzky-Golay second derivative, {side}x{side}x200 corner",
        "baseline": "per-pixel np.polyfit loop",
        "baseline_ms": 1e3 * loop,
        "ours": "signal.savgol_cube",
        "ours_ms": 1e3 * ours,
        "speedup": loop / ours,
    })
    return rows
