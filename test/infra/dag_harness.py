"""Loads the fraudctl DAG files against the stand-in `airflow` package (fake_airflow/) and prints
what a person would check in the Airflow UI, as JSON on stdout. Run by dags.test.ts.

  dag_harness.py describe DAGS_DIR TRIGGER_DATE   DAGs, schedules, retries, task graph, and each
                                                  task's arguments rendered for a run triggered on
                                                  TRIGGER_DATE (without, then with a conf override)
  dag_harness.py exitcodes DAGS_DIR WORK_DIR      FraudctlOperator against a stub fraudctl exiting
                                                  0, 1, 2, 3, 4, 130, 143: returned XCom or raised
  dag_harness.py kill DAGS_DIR WORK_DIR           on_kill while fraudctl runs: SIGTERM, then SIGKILL
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import stat
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fake_airflow"))


def load_dags(dags_dir: Path) -> list:
    sys.path.insert(0, str(dags_dir))
    from airflow.models.dag import DAGS

    for path in sorted(dags_dir.glob("fraud_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return DAGS


class Attrs(dict):
    """Jinja reads `params.date` off a dict; Python needs attribute access for the same text."""

    __getattr__ = dict.get


def ds_add(ds: str, days: int) -> str:
    return (dt.date.fromisoformat(ds) + dt.timedelta(days=days)).isoformat()


def render(value, context: dict):
    """Renders `{{ expr }}` the way Jinja would for the plain expressions the DAGs use
    (attribute access, `or`, calls); anything fancier fails loudly here."""
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if not isinstance(value, str):
        return value
    return re.sub(r"\{\{(.*?)\}\}", lambda m: str(eval(m.group(1).strip(), {"__builtins__": {}}, context)), value)


def template_context(dag, trigger: str, conf: dict) -> dict:
    # CronTriggerTimetable: the logical date is the trigger time, so ds is the trigger date.
    assert type(dag.schedule).__name__ == "CronTriggerTimetable", dag.schedule
    return {"ds": trigger, "ds_nodash": trigger.replace("-", ""), "macros": SimpleNamespace(ds_add=ds_add),
            "params": Attrs({**dag.params, **conf})}


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
                "rendered": render(fields["arguments"], template_context(dag, trigger, {})),
                "rendered_with_conf": render(fields["arguments"], template_context(dag, trigger, override)),
            })
        out.append({
            "dag_id": dag.dag_id,
            "schedule": {"timetable": type(dag.schedule).__name__, "cron": dag.schedule.cron, "timezone": dag.schedule.timezone},
            "start_date": dag.start_date.isoformat(),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "params": dag.params,
            "tasks": tasks,
        })
    return {"airflow_sdk_imported": "airflow.sdk" in sys.modules, "dags": out}


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
    from airflow.exceptions import AirflowException, AirflowFailException

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
    elif command == "kill":
        out = kill(dags_dir, Path(sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
