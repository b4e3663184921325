#!/usr/bin/env python3
"""bench/forest_compare.py LIB ROWS THREADS DIR — trains scikit-learn's or xgboost's random forest
on the table bench/forest.mjs wrote to DIR (X-ROWS.f64: 15 float64 columns one after another;
y-ROWS.u8: labels) and prints one JSON line: train and predict seconds, test ROC AUC and AP, peak RSS.

LIB is 'sklearn' (RandomForestClassifier: 100 trees, depth 10, sqrt features, bootstrap) or
'xgboost' (hist random-forest mode with the same shape: XGBRFClassifier, one round of 100 parallel
trees, learning rate 1, no minimum child weight, almost no L2 penalty, base score = the fraud rate,
√15/15 of the features per node, 63.2 % row subsample as the bootstrap's share of distinct rows).
"""
import json
import resource
import sys
import time

import numpy as np

N_FEATURES = 15


def peak_mb():
    """Peak resident MB of this process: VmHWM starts afresh at exec, where getrusage's ru_maxrss
    is kept across fork and exec (a child would report at least its parent's peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(directory, name, rows):
    x = np.fromfile(f"{directory}/X-{name}.f64").reshape(N_FEATURES, rows).T
    y = np.fromfile(f"{directory}/y-{name}.u8", dtype=np.uint8)
    return np.ascontiguousarray(x), y


def model(lib, threads, y, trees=100, depth=10):
    if lib == "sklearn":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=trees, max_depth=depth, max_features="sqrt", n_jobs=threads, random_state=1)
    from xgboost import XGBRFClassifier

    return XGBRFClassifier(
        n_estimators=trees,
        max_depth=depth,
        learning_rate=1.0,
        min_child_weight=0,
        reg_lambda=1e-3,
        base_score=float(y.mean()),
        colsample_bynode=np.sqrt(N_FEATURES) / N_FEATURES,
        subsample=0.632,
        tree_method="hist",
        max_bin=255,
        nthread=threads,
        random_state=1,
    )


def main():
    lib, rows, threads, directory, test_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    from sklearn.metrics import average_precision_score, roc_auc_score

    x, y = load(directory, str(rows), rows)
    xt, yt = load(directory, "test", test_rows)
    m = model(lib, threads, y)
    t0, c0 = time.perf_counter(), time.process_time()
    m.fit(x, y)
    train, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    p = m.predict_proba(xt)[:, 1]
    predict = time.perf_counter() - t0
    rss_mb = peak_mb()
    print(json.dumps({"trainS": train, "trainCpuS": train_cpu, "predictS": predict, "auc": float(roc_auc_score(yt, p)), "ap": float(average_precision_score(yt, p)), "peakMb": rss_mb}))


if __name__ == "__main__":
    main()
