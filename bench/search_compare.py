#!/usr/bin/env python3
"""bench/search_compare.py LIB LAKE DAYS TRIALS THREADS K — the seed's search fitted by another
library on the same matrix (bench/train.mjs --compare).

The train matrix is rebuilt here from the lake's transaction parquet with DuckDB, from DESIGN.md §3,
not with fraudctl's SQL: per transaction of day D, its amount, weekend (Saturday/Sunday, UTC) and
night (hour <= 6) flags; the customer's count and mean amount over the 1, 7 and 30 days ending D-1;
the terminal's count and fraud rate over the 1, 7 and 30 days ending D-1-7 (the label delay); 0 when
there is no such row. DAYS: the train days (comma-separated). TRIALS: JSON list of
{trees, depth, rows} (fraudctl's trials). Each of the first K trials draws `rows` rows without
replacement (numpy, seeded by the trial number) and fits LIB ('xgboost' or 'sklearn', configured as in
forest_compare.py) with THREADS threads. Prints one JSON line: matrix rows and frauds, the fit
seconds of each trial and their total.
"""
import datetime as dt
import json
import sys
import time

import duckdb
import numpy as np

from forest_compare import model

DELAY = 7


def day_features(con, lake, day):
    d = dt.date.fromisoformat(day)
    prev = d - dt.timedelta(days=1)
    term_end = prev - dt.timedelta(days=DELAY)

    def window(col, end, n):
        return f"{col} >= DATE '{end - dt.timedelta(days=n - 1)}' AND {col} <= DATE '{end}'"

    def agg(value, end, n):
        w = window("day", end, n)
        return f"COUNT(*) FILTER (WHERE {w}), COALESCE(AVG({value}) FILTER (WHERE {w}), 0)"

    cust = ", ".join(f"{agg('tx_amount', prev, n)}" for n in (1, 7, 30))
    term = ", ".join(f"{agg('tx_fraud', term_end, n)}" for n in (1, 7, 30))
    cust_names = ", ".join(f"c{i}" for i in range(6))
    term_names = ", ".join(f"t{i}" for i in range(6))
    sql = f"""
    WITH tx AS (
      SELECT transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, CAST(date AS DATE) AS day
      FROM read_parquet('{lake}/transactions/*/*.parquet', hive_partitioning = true)
    ),
    c AS (SELECT customer_id, {cust} FROM tx WHERE {window('day', prev, 30)} GROUP BY customer_id),
    t AS (SELECT terminal_id, {term} FROM tx WHERE {window('day', term_end, 30)} GROUP BY terminal_id)
    SELECT x.tx_amount,
           CASE WHEN dayofweek(x.tx_datetime) IN (0, 6) THEN 1 ELSE 0 END,
           CASE WHEN hour(x.tx_datetime) <= 6 THEN 1 ELSE 0 END,
           {", ".join(f"COALESCE(c.{n}, 0)" for n in cust_names.split(", "))},
           {", ".join(f"COALESCE(t.{n}, 0)" for n in term_names.split(", "))},
           x.tx_fraud
    FROM (SELECT * FROM tx WHERE day = DATE '{day}') x
    LEFT JOIN (SELECT customer_id, #2 AS c0, #3 AS c1, #4 AS c2, #5 AS c3, #6 AS c4, #7 AS c5 FROM c) c USING (customer_id)
    LEFT JOIN (SELECT terminal_id, #2 AS t0, #3 AS t1, #4 AS t2, #5 AS t3, #6 AS t4, #7 AS t5 FROM t) t USING (terminal_id)
    """
    m = con.execute(sql).fetchnumpy()
    cols = list(m.values())
    x = np.column_stack([np.asarray(c, dtype=np.float64) for c in cols[:-1]])
    return x, np.asarray(cols[-1], dtype=np.uint8)


def main():
    lib, lake, days, trials, threads, k = sys.argv[1], sys.argv[2], sys.argv[3].split(","), json.loads(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    parts = [day_features(con, lake, d) for d in days]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    fits = []
    for i, t in enumerate(trials[:k]):
        idx = np.sort(np.random.default_rng(i).choice(len(y), size=t["rows"], replace=False))
        xs, ys = np.ascontiguousarray(x[idx]), y[idx]
        m = model(lib, threads, ys, trees=t["trees"], depth=t["depth"])
        t0 = time.perf_counter()
        m.fit(xs, ys)
        fits.append(time.perf_counter() - t0)
    print(json.dumps({"rows": int(len(y)), "frauds": int(y.sum()), "fits": fits, "total": sum(fits)}))


if __name__ == "__main__":
    main()
