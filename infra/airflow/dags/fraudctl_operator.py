"""Runs fraudctl from Airflow under fraudctl's exit-code contract; shared by the fraud_* DAGs.

Why not BashOperator: it fails a task the same way for every non-zero exit code, so `retries`
would also retry a bad command line (2) or a missing day of data (3), which never heals by waiting.
This operator starts fraudctl itself and turns its exit code into the exception Airflow acts on:

  exit code                      raised                 Airflow does
  0                              (returns the summary)  success; the --json summary (last stdout
                                                        line) becomes the XCom `return_value`
  4  MLflow / S3 unavailable     AirflowException       retries (the task's `retries`, `retry_delay`)
  2  usage / configuration       AirflowFailException   fails at once, no retry
  3  data missing / invalid      AirflowFailException   fails at once, no retry
  1  a bug, and anything else    AirflowFailException   fails at once, no retry
     (130/143 interrupted, killed by a signal)

Environment: the task's own environment (like BashOperator's append_env=True), then the
fraudctl env file (/etc/fraudctl/fraudctl.env: lake, MLflow and S3 settings, secrets) on top,
then AIRFLOW_CTX_* so fraudctl tags its MLflow runs with the DAG, task, run and try.
On timeout or kill the fraudctl process group gets SIGTERM (fraudctl marks its MLflow runs
KILLED and exits 143), then SIGKILL after a grace period: the same as BashOperator.

Works on Airflow 2.4+ and 3.x. Not a DAG itself: .airflowignore keeps it out of DAG parsing,
and the DAG files import it from the dags folder, which Airflow puts on sys.path.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

try:  # Airflow 3: the Task SDK (airflow.exceptions' names are deprecated aliases there)
    from airflow.sdk import BaseOperator
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # Airflow 2
    from airflow.exceptions import AirflowException, AirflowFailException
    from airflow.models.baseoperator import BaseOperator

# Where fraudctl and its env file are; FRAUDCTL_BIN / FRAUDCTL_ENV_FILE in the environment of the
# Airflow components override them (a second install, the test suite's temporary one).
FRAUDCTL = os.environ.get("FRAUDCTL_BIN") or "/usr/local/bin/fraudctl"
ENV_FILE = os.environ.get("FRAUDCTL_ENV_FILE") or "/etc/fraudctl/fraudctl.env"
# Only "a dependency is unavailable" is worth waiting for; see the table above.
RETRY_EXIT_CODES = frozenset({4})
EXIT_MEANINGS = {
    1: "unexpected error (a bug)",
    2: "usage or configuration error",
    3: "input data missing or invalid",
    4: "MLflow or S3 unavailable",
    130: "interrupted (SIGINT)",
    143: "interrupted (SIGTERM)",
}


def retry_delay(default: timedelta) -> timedelta:
    """The DAG's retry delay, or FRAUDCTL_RETRY_DELAY_SECONDS from the environment when set (the
    test suite runs every try of an exit 4 in seconds; an operator may shorten it for an outage)."""
    value = os.environ.get("FRAUDCTL_RETRY_DELAY_SECONDS")
    return timedelta(seconds=float(value)) if value else default


# The day fraud_daily and fraud_daily_spark score: the `date` param when given, else the day
# before the trigger date (ds is the trigger date under CronTriggerTimetable, see fraud_daily.py).
SCORE_DAY = "{{ params.date or macros.ds_add(ds, -1) }}"


def daily_dag_args(dag_id: str, description: str, tags: Sequence[str]) -> dict[str, Any]:
    """DAG(...) keyword arguments of the daily DAGs (fraud_daily, fraud_daily_spark), which are
    alternatives for one job: the same schedule, dates, params and retry policy, so switching
    from one to the other changes only how the marts are built."""
    from airflow.timetables.trigger import CronTriggerTimetable

    return {
        "dag_id": dag_id,
        "description": description,
        "schedule": CronTriggerTimetable("0 3 * * *", timezone="UTC"),
        "start_date": datetime(2025, 1, 1, tzinfo=timezone.utc),
        # Missed days are not run by themselves; backfill them explicitly (docs/deployment.md).
        "catchup": False,
        "max_active_runs": 1,
        "params": {"date": ""},
        "default_args": {
            "owner": "fraudctl",
            "retries": 3,
            "retry_delay": retry_delay(timedelta(minutes=15)),
        },
        "tags": list(tags),
    }


def read_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines as a shell, systemd and this module all read them: # comments, blank lines,
    an optional `export `, and values optionally in single or double quotes (no expansion)."""
    env: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("export "):
                line = line[len("export ") :].lstrip()
            key, sep, value = line.partition("=")
            if not sep or not key.isidentifier():
                raise AirflowFailException(f"{path}:{number}: expected KEY=VALUE")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            env[key] = value
    return env


def exit_exception(code: int, summary: Any) -> AirflowException:
    """The exception for a non-zero exit: AirflowException is retried, AirflowFailException is not."""
    meaning = EXIT_MEANINGS.get(code, "killed by signal %d" % -code if code < 0 else "unknown exit code")
    detail = f": {summary['error']}" if isinstance(summary, dict) and summary.get("error") else ""
    message = f"fraudctl exited {code} ({meaning}){detail}"
    if code in RETRY_EXIT_CODES:
        return AirflowException(message + "; will retry")
    return AirflowFailException(message + "; not retried")


def parse_summary(line: str) -> Any:
    """The --json summary is the last stdout line; None when there is none or it is not JSON."""
    try:
        return json.loads(line) if line else None
    except ValueError:
        return None


def airflow_context_env(context: Any) -> dict[str, str]:
    """AIRFLOW_CTX_* as BashOperator exports them (fraudctl tags its MLflow runs with them)."""
    ti = context.get("ti")
    values = {
        "AIRFLOW_CTX_DAG_ID": getattr(context.get("dag"), "dag_id", None),
        "AIRFLOW_CTX_TASK_ID": getattr(context.get("task"), "task_id", None),
        "AIRFLOW_CTX_DAG_RUN_ID": context.get("run_id"),
        "AIRFLOW_CTX_TRY_NUMBER": getattr(ti, "try_number", None),
    }
    return {k: str(v) for k, v in values.items() if v is not None}


class FraudctlOperator(BaseOperator):
    """`fraudctl <arguments>`; `arguments` is templated (one list item per argv word, no shell)."""

    template_fields: Sequence[str] = ("arguments",)
    ui_color = "#e8f0fe"

    def __init__(
        self,
        *,
        arguments: list[str],
        fraudctl: str = FRAUDCTL,
        env_file: str | None = ENV_FILE,
        kill_grace_seconds: float = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.arguments = arguments
        self.fraudctl = fraudctl
        self.env_file = env_file
        self.kill_grace_seconds = kill_grace_seconds
        self._proc: subprocess.Popen[str] | None = None

    def execute(self, context: Any) -> Any:
        env = dict(os.environ)
        if self.env_file:
            env.update(read_env_file(self.env_file))
        env.update(airflow_context_env(context))
        argv = [self.fraudctl, *map(str, self.arguments)]
        self.log.info("Running: %s", shlex.join(argv))
        last = ""
        try:
            # A new session, so that a kill reaches fraudctl and its worker threads as a group.
            self._proc = proc = subprocess.Popen(
                argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, errors="replace", start_new_session=True,
            )
            # fraudctl logs JSON lines on stderr: into the task log as they come.
            relay = threading.Thread(target=self._relay, args=(proc.stderr,), daemon=True)
            relay.start()
            assert proc.stdout is not None
            for line in proc.stdout:
                self.log.info("%s", line.rstrip("\n"))
                if line.strip():
                    last = line.strip()
            code = proc.wait()
            relay.join(timeout=5)
        except BaseException:  # execution_timeout, task killed: do not leave fraudctl running
            self._terminate()
            raise
        finally:
            self._proc = None
        summary = parse_summary(last)
        if code != 0:
            error = exit_exception(code, summary)
            # In the task log as a line of its own: how Airflow prints the exception varies.
            self.log.error("%s", error)
            raise error
        if summary is None:
            self.log.warning("fraudctl printed no JSON summary as its last stdout line: %r", last)
        return summary

    def on_kill(self) -> None:
        self._terminate()

    def _relay(self, stream: Any) -> None:
        for line in stream:
            self.log.info("%s", line.rstrip("\n"))

    def _terminate(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        self.log.info("Sending SIGTERM to fraudctl (pid %d)", proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=self.kill_grace_seconds)
        except subprocess.TimeoutExpired:
            self.log.warning("fraudctl still running after %ss: SIGKILL", self.kill_grace_seconds)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass
