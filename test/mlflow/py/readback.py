"""Reads what fraudctl wrote to an MLflow server back with MLflow's own Python client, and writes a
reference run the way the Python client itself does, so the test can compare the two.

    python readback.py '{"tracking_uri": ..., "experiment": ..., "model": ..., "lake": ..., "date": ..., "tmp": ...}'

Prints one JSON object. Features for the pyfunc check are computed here from the lake's parquet
files (transactions of the day joined with the marts of the day before, zeros when absent), not
taken from fraudctl, so the comparison also checks the feature order and meaning.
"""
import datetime as dt
import json
import os
import sys

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

FEATURES = ["tx_amount", "tx_during_weekend", "tx_during_night",
            "cust_nb_tx_1d", "cust_avg_amount_1d", "cust_nb_tx_7d", "cust_avg_amount_7d", "cust_nb_tx_30d", "cust_avg_amount_30d",
            "term_nb_tx_1d", "term_risk_1d", "term_nb_tx_7d", "term_risk_7d", "term_nb_tx_30d", "term_risk_30d"]


def run_dict(r):
    return {"info": {k: v for k, v in dict(r.info).items()}, "params": r.data.params, "metrics": r.data.metrics, "tags": r.data.tags}


def features_of(lake, day):
    prev = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
    tx = pd.read_parquet(f"{lake}/transactions/date={day}/data.parquet")
    cust = pd.read_parquet(f"{lake}/features/customer/date={prev}/data.parquet").drop(columns=["mart_date"])
    term = pd.read_parquet(f"{lake}/features/terminal/date={prev}/data.parquet").drop(columns=["mart_date"])
    df = tx.merge(cust, on="customer_id", how="left").merge(term, on="terminal_id", how="left")
    df["tx_during_weekend"] = (df["tx_datetime"].dt.weekday >= 5).astype(int)
    df["tx_during_night"] = (df["tx_datetime"].dt.hour <= 6).astype(int)
    # The signature is 15 doubles (the marts' counts are BIGINT): cast, as a user would.
    return df[["transaction_id"]], df[FEATURES].fillna(0).astype("float64")


def main():
    a = json.loads(sys.argv[1])
    mlflow.set_tracking_uri(a["tracking_uri"])
    c = MlflowClient()
    out = {"mlflow_version": mlflow.__version__}
    exp = c.get_experiment_by_name(a["experiment"])
    out["experiment"] = {"id": exp.experiment_id, "name": exp.name, "artifact_location": exp.artifact_location, "lifecycle_stage": exp.lifecycle_stage}
    runs = c.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags and "fraudctl.best_run_id" in r.data.tags]
    parent = sorted(parents, key=lambda r: r.info.start_time)[0]
    out["parent"] = run_dict(parent)
    kids = c.search_runs([exp.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    out["children"] = [run_dict(r) for r in kids]
    out["child_roc_auc_history"] = [{"value": m.value, "step": m.step} for m in c.get_metric_history(kids[0].info.run_id, "validation_roc_auc")]
    out["all_runs"] = [{"run_name": r.info.run_name, "status": r.info.status, "tags": r.data.tags} for r in runs]

    mv = c.get_model_version_by_alias(a["model"], "champion")
    out["champion"] = {"version": mv.version, "run_id": mv.run_id, "source": mv.source, "status": mv.status, "tags": mv.tags, "aliases": list(mv.aliases)}
    out["registered_models"] = [{"name": m.name, "aliases": dict(m.aliases)} for m in c.search_registered_models()]
    dl = mlflow.artifacts.download_artifacts(run_id=parent.info.run_id, artifact_path="model", dst_path=os.path.join(a["tmp"], "dl"))
    out["model_files"] = sorted(os.listdir(dl))
    import yaml
    with open(os.path.join(dl, "MLmodel")) as f:
        out["mlmodel"] = yaml.safe_load(f)

    model = mlflow.pyfunc.load_model(f"models:/{a['model']}@champion")
    ids, X = features_of(a["lake"], a["date"])
    pred = model.predict(X)
    scores = pd.read_parquet(f"{a['lake']}/scores/date={a['date']}/data.parquet")[["transaction_id", "fraud_score"]]
    got = ids.assign(pyfunc=np.asarray(pred.iloc[:, 0], dtype=np.float64)).merge(scores, on="transaction_id", how="outer")
    out["pyfunc"] = {"rows": len(X), "scored_rows": len(scores), "matched": int(got["pyfunc"].notna().sum() if len(got) == len(scores) else -1),
                     "columns": list(pred.columns), "max_abs_diff": float((got["pyfunc"] - got["fraud_score"]).abs().max()),
                     "distinct_scores": int(got["fraud_score"].round(4).nunique())}

    # The reference: a parent and a nested child as the fluent API writes them, a logged ONNX model.
    mlflow.set_experiment(a["experiment"] + "-python")
    with mlflow.start_run(run_name="python-parent") as p:
        with mlflow.start_run(run_name="python-child", nested=True) as ch:
            mlflow.log_metric("roc_auc", 0.5)
    out["python_parent"] = run_dict(c.get_run(p.info.run_id))
    out["python_child"] = run_dict(c.get_run(ch.info.run_id))
    print(json.dumps(out, default=str))


main()
