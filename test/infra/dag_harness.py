"""Loads the fraudctl DAG files with the real Apache Airflow (run by the python of the `airflow`
venv, scripts/python/airflow.txt) and prints what a person would check in the Airflow UI, as JSON
on stdout. Run by dags.test.ts; the full `airflow dags test` runs are in airflow.test.ts.

  dag_harness.py describe DAGS_DIR TRIGGER_DATE   DAGs, schedules, retries, task graph, and each
                                                  task's arguments rendered for a run triggered on
                                                  TRIGGER_DATE (without, then with a conf override)
  dag_harness.py exitcodes DAGS_DIR WORK_DIR      FraudctlOperator against a stub fraudctl exiting
                                                  0, 1, 2, 3, 4, 130, 143: returned XCom or raised
  dag_harness.py kill DAGS_DIR WORK_DIR           on_kill while fraudctl runs: SIGTERM, then SIGKILL
  dag_harness.py all DAGS_DIR TRIGGER_DATE WORK_DIR  the three above in one process (Airflow's
                                                  import alone takes seconds)
"""

from __future__ import annotations

import datetime as dt
import json
import stat
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

def load_dags(dags_dir: Path) -> list:
    """The DAG folder parsed as a bundle by Airflow's own BundleDagBag (what `airflow dags test`
    and the dag-processor run; the bundle's folder goes on sys.path, so the DAG files can import
    fraudctl_operator); any import error is fatal here, with Airflow's message."""
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=str(dags_dir), bundle_path=dags_dir, bundle_name="dags-folder")
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    return [bag.dags[d] for d in sorted(bag.dags)]


def template_context(dag, trigger: str, conf: dict) -> dict:
    """The part of a task's template context the DAGs use. CronTriggerTimetable: the logical date
    is the trigger time, so ds is the trigger date."""
    from airflow.sdk.execution_time import macros

    assert type(dag.timetable).__name__ == "CronTriggerTimetable", dag.timetable
    params = {k: dag.params[k] for k in dag.params}
    return {"ds": trigger, "ds_nodash": trigger.replace("-", ""), "macros": macros, "params": {**params, **conf}}


def render(task, value, context: dict):
    """Rendered by the operator's own Jinja environment, as Airflow renders template_fields."""
    return task.render_template(value, context)


def seconds(delta):
    return delta.total_seconds() if delta is not None else None


def describe(dags_dir: Path, trigger: str) -> dict:
    dags = load_dags(dags_dir)
    out = []
    for dag in dags:
        override = {k: "2025-02-02" for k in dag.params}
        tasks = []
        for task in dag.tasks:
            fields = {f: getattr(task, f) for f in task.template_fields}
            tasks.append({
                "task_id": task.task_id,
                "operator": type(task).__name__,
                "retries": task.retries,
                "retry_delay_s": seconds(task.retry_delay),
                "execution_timeout_s": seconds(task.execution_timeout),
                "upstream": sorted(task.upstream_task_ids),
                "downstream": sorted(task.downstream_task_ids),
                "fraudctl": task.fraudctl,
                "env_file": task.env_file,
                "template_fields": list(task.template_fields),
                "arguments": fields["arguments"],
                "rendered": render(task, fields["arguments"], template_context(dag, trigger, {})),
                "rendered_with_conf": render(task, fields["arguments"], template_context(dag, trigger, override)),
            })
        out.append({
            "dag_id": dag.dag_id,
            "schedule": {"timetable": type(dag.timetable).__name__, "cron": dag.timetable._expression, "timezone": str(dag.timetable._timezone)},
            "start_date": dag.start_date.isoformat(),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "params": {k: dag.params[k] for k in dag.params},
            "tasks": tasks,
        })
    import airflow

    return {"airflow_version": airflow.__version__, "dags": out}


STUB = """#!/usr/bin/env bash
# A stand-in fraudctl: a log line on stderr, the JSON summary last on stdout, the exit code asked for.
echo '{"level":30,"msg":"stub fraudctl starting"}' >&2
if [ -n "${STUB_SLEEP:-}" ]; then
  if [ -n "${STUB_IGNORE_TERM:-}" ]; then trap '' TERM; else trap 'echo term > "$STUB_MARK"; exit 143' TERM; fi
  sleep "$STUB_SLEEP" & wait $!
  sleep "$STUB_SLEEP" & wait $!
fi
python3 -c 'import json, os, sys; print(json.dumps({"ok": sys.argv[1] == "0", "argv": sys.argv[2:], "lake": os.environ.get("FRAUDCTL_LAKE"), "dag": os.environ.get("AIRFLOW_CTX_DAG_ID"), "path_kept": bool(os.environ.get("PATH"))}))' "$STUB_EXIT" "$@"
exit "$STUB_EXIT"
"""


def make_operator(dags_dir: Path, work: Path, env_lines: list[str], **kwargs):
    sys.path.insert(0, str(dags_dir))
    from fraudctl_operator import FraudctlOperator

    stub = work / "fraudctl"
    stub.write_text(STUB)
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    env_file = work / "fraudctl.env"
    env_file.write_text("\n".join(env_lines) + "\n")
    env_file.chmod(0o600)
    return FraudctlOperator(task_id="t", arguments=["daily", "--date", "2025-03-20", "--json"],
                            fraudctl=str(stub), env_file=str(env_file), **kwargs)


def run(op) -> dict:
    from airflow.sdk.exceptions import AirflowException, AirflowFailException

    context = {"dag": SimpleNamespace(dag_id="fraud_daily"), "task": op, "run_id": "scheduled__x", "ti": SimpleNamespace(try_number=1)}
    started = time.monotonic()
    try:
        result = {"outcome": "success", "xcom": op.execute(context)}
    except AirflowFailException as e:
        result = {"outcome": "fail", "message": str(e)}
    except AirflowException as e:
        result = {"outcome": "retry", "message": str(e)}
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def exitcodes(dags_dir: Path, work: Path) -> dict:
    results = {}
    for code in (0, 1, 2, 3, 4, 130, 143):
        op = make_operator(dags_dir, work, ["# fraudctl settings", "export FRAUDCTL_LAKE='s3://lake/prod'", f"STUB_EXIT={code}"])
        results[str(code)] = run(op)
    return results


def kill(dags_dir: Path, work: Path) -> dict:
    results = {}
    for name, extra in (("term", []), ("ignores_term", ["STUB_IGNORE_TERM=1"])):
        mark = work / f"{name}.mark"
        op = make_operator(dags_dir, work, ["STUB_EXIT=0", "STUB_SLEEP=20", f"STUB_MARK={mark}", *extra], kill_grace_seconds=1)
        threading.Timer(1.0, op.on_kill).start()
        result = run(op)
        result["stub_saw_sigterm"] = mark.exists()
        results[name] = result
    return results


def main() -> None:
    command, dags_dir = sys.argv[1], Path(sys.argv[2]).resolve()
    if command == "describe":
        out = describe(dags_dir, sys.argv[3])
    elif command == "exitcodes":
        out = exitcodes(dags_dir, Path(sys.argv[3]))
    elif command == "all":
        work = Path(sys.argv[4])
        out = {"describe": describe(dags_dir, sys.argv[3]), "exitcodes": exitcodes(dags_dir, work), "kill": kill(dags_dir, work)}
    elif command == "kill":
        out = kill(dags_dir, Path(sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {command}")
    # The last stdout line (Airflow logs to stdout too).
    print(json.dumps(out))


if __name__ == "__main__":
    main()
