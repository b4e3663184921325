#!/usr/bin/env python3
"""bench/forest_tails.py DIR N_OURS TREES DEPTH THREADS SEEDS sklearn|none — the python side of
bench/forest_tails.mjs. Reads the matrices it wrote to DIR (X-NAME.f64: 15 float64 columns one
after another; y-NAME.u8 labels; s-NAME.u8 fraud scenarios), fits scikit-learn's
RandomForestClassifier with the same params as fraudctl's forest (sqrt features, bootstrap,
min_samples_leaf 1, DEPTH 0 = unlimited) once per seed 1…SEEDS, and scores every model's test
predictions (fraudctl's in p-K-SEED.f64) with scikit-learn's metrics. Prints one JSON line: a list
of rows, each metric as its mean, min and max over the seeds.
"""
import json
import sys
import time

import numpy as np

N_FEATURES = 15
AMOUNT = 0  # tx_amount is the first feature


def load(directory, name):
    y = np.fromfile(f"{directory}/y-{name}.u8", dtype=np.uint8)
    x = np.fromfile(f"{directory}/X-{name}.f64").reshape(N_FEATURES, len(y)).T
    s = np.fromfile(f"{directory}/s-{name}.u8", dtype=np.uint8)
    return np.ascontiguousarray(x), y, s


def metrics(p, xt, yt, st):
    from sklearn.metrics import average_precision_score, roc_auc_score

    amount = xt[:, AMOUNT]
    genuine200 = (yt == 0) & (amount >= 200) & (amount <= 220)
    return {
        "auc": float(roc_auc_score(yt, p)),
        "ap": float(average_precision_score(yt, p)),
        "s1": float(p[st == 1].mean()),
        "genuine200": float(p[genuine200].mean()),
        "nGenuine200": int(genuine200.sum()),
    }


def summarise(model, seconds, per_seed):
    out = {"model": model, "seconds": seconds, "nGenuine200": per_seed[0]["nGenuine200"]}
    for k in ("auc", "ap", "s1", "genuine200"):
        v = [m[k] for m in per_seed]
        out[k] = {"mean": float(np.mean(v)), "min": float(min(v)), "max": float(max(v))}
    return out


def main():
    directory, n_ours, trees, depth, threads, seeds, lib = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7]
    xt, yt, st = load(directory, "test")
    rows = [summarise(k, 0.0, [metrics(np.fromfile(f"{directory}/p-{k}-{s}.f64"), xt, yt, st) for s in range(1, seeds + 1)]) for k in range(n_ours)]
    if lib == "sklearn":
        from sklearn.ensemble import RandomForestClassifier

        x, y, _ = load(directory, "train")
        per_seed = []
        seconds = 0.0
        for s in range(1, seeds + 1):
            m = RandomForestClassifier(n_estimators=trees, max_depth=depth or None, max_features="sqrt", n_jobs=threads, random_state=s)
            t0 = time.perf_counter()
            m.fit(x, y)
            seconds += (time.perf_counter() - t0) / seeds
            per_seed.append(metrics(m.predict_proba(xt)[:, 1], xt, yt, st))
        rows.append(summarise("sklearn", seconds, per_seed))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
