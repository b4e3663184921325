"""Independent reference values for test/model/statistics.test.ts: scikit-learn's metrics, DeLong's
variance by the midrank algorithm of Sun & Xu (2014) with scipy's rankdata, bootstrap estimates with
numpy, card/transaction precision@k with numpy group-bys. Reads one JSON object on stdin, writes one."""
import json
import sys

import numpy as np
from scipy.stats import norm, rankdata
from sklearn.metrics import average_precision_score, roc_auc_score


def delong_components(y, s):
    pos, neg = s[y == 1], s[y == 0]
    m, n = len(pos), len(neg)
    tx, ty, tz = rankdata(pos), rankdata(neg), rankdata(np.concatenate([pos, neg]))
    v10 = (tz[:m] - tx) / n
    v01 = 1.0 - (tz[m:] - ty) / m
    return v10, v01


def delong_cov(y, scores):
    comps = [delong_components(y, s) for s in scores]
    v10 = np.array([c[0] for c in comps])
    v01 = np.array([c[1] for c in comps])
    s = np.atleast_2d(np.cov(v10)) / v10.shape[1] + np.atleast_2d(np.cov(v01)) / v01.shape[1]
    return v10.mean(axis=1), s


def mann_whitney_auc(y, s):
    """AUC = (rank sum of positives − m(m+1)/2) / (m n), midranks for ties (sklearn is too slow per resample)."""
    r = rankdata(s)
    m = y.sum()
    n = len(y) - m
    return (r[y == 1].sum() - m * (m + 1) / 2) / (m * n)


def numpy_ap(y, s):
    """Average precision as sklearn defines it: Σ (R_k − R_{k−1}) P_k over distinct thresholds."""
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(ss)), len(ss) - 1]  # last row of each distinct score
    tp = np.cumsum(ys)[last]
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / ys.sum()
    return float(np.sum(np.diff(np.r_[0, recall]) * precision))


def card_precision(cards, y, s, k, exclude):
    keep = ~np.isin(cards, list(exclude)) if exclude else np.ones(len(cards), bool)
    c, yy, ss = cards[keep], y[keep], s[keep]
    uniq, inv = np.unique(c, return_inverse=True)
    best = np.full(len(uniq), -np.inf)
    fraud = np.zeros(len(uniq), int)
    np.maximum.at(best, inv, ss)
    np.maximum.at(fraud, inv, yy)
    if len(uniq) < k:
        return None, []
    order = np.lexsort((uniq, -best))[:k]
    found = uniq[order][fraud[order] == 1]
    return float(fraud[order].sum()) / k, [int(x) for x in found]


def main():
    q = json.load(sys.stdin)
    out = {}
    y = np.array(q["labels"], dtype=int)
    s = np.array(q["scores"], dtype=float)
    out["roc_auc"] = float(roc_auc_score(y, s))
    out["ap"] = float(average_precision_score(y, s))
    if min(y.sum(), len(y) - y.sum()) >= 2:
        auc, cov = delong_cov(y, [s])
        out["delong_auc"] = float(auc[0])
        out["delong_var"] = float(cov[0, 0])
        half = norm.ppf(0.975) * np.sqrt(cov[0, 0])
        out["delong_ci"] = [max(0.0, auc[0] - half), min(1.0, auc[0] + half)]
    rng = np.random.default_rng(q.get("seed", 0))
    pos_idx, neg_idx = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    aucs, aps = [], []
    for _ in range(q.get("resamples", 0)):
        idx = np.concatenate([rng.choice(pos_idx, len(pos_idx)), rng.choice(neg_idx, len(neg_idx))])
        aucs.append(mann_whitney_auc(y[idx], s[idx]))
        aps.append(numpy_ap(y[idx], s[idx]))
    if aucs:
        # the fast per-resample versions must agree with sklearn on the full data
        out["numpy_ap_matches_sklearn"] = bool(abs(numpy_ap(y, s) - out["ap"]) < 1e-12)
        out["mann_whitney_matches_sklearn"] = bool(abs(mann_whitney_auc(y, s) - out["roc_auc"]) < 1e-12)
        out["bootstrap_auc_var"] = float(np.var(aucs, ddof=1))
        out["bootstrap_ap_ci"] = [float(np.quantile(aps, 0.025)), float(np.quantile(aps, 0.975))]
    if "scoresB" in q:
        b = np.array(q["scoresB"], dtype=float)
        aucs2, cov2 = delong_cov(y, [s, b])
        var = cov2[0, 0] + cov2[1, 1] - 2 * cov2[0, 1]
        z = (aucs2[0] - aucs2[1]) / np.sqrt(var)
        out["paired"] = {"delta": float(aucs2[0] - aucs2[1]), "var": float(var), "z": float(z), "p_better": float(norm.sf(z)), "p_two": float(2 * norm.sf(abs(z)))}
    if "cards" in q:
        cards = np.array([int(c) for c in q["cards"]], dtype=np.int64)
        tx = np.array([int(t) for t in q["txIds"]], dtype=np.int64)
        k = q["k"]
        out["card_precision"], out["detected"] = card_precision(cards, y, s, k, set(q.get("exclude", [])))
        order = np.lexsort((tx, -s))[:k]
        out["tx_precision"] = float(y[order].sum()) / k if len(y) >= k else None
    if "z" in q:
        out["sf"] = [float(norm.sf(z)) for z in q["z"]]
    json.dump(out, sys.stdout)


main()
