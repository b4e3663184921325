from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Sequence

from airflow.models.dag import current_dag

_DEFAULTABLE = ("owner", "retries", "retry_delay", "execution_timeout")


class BaseOperator:
    template_fields: Sequence[str] = ()

    def __init__(self, *, task_id: str, dag: Any = None, owner: str | None = None, retries: int | None = None,
                 retry_delay: timedelta | None = None, execution_timeout: timedelta | None = None) -> None:
        # Like Airflow: explicit arguments win over the DAG's default_args; unknown ones are a TypeError.
        self.dag = dag or current_dag()
        defaults = self.dag.default_args if self.dag else {}
        given = {"owner": owner, "retries": retries, "retry_delay": retry_delay, "execution_timeout": execution_timeout}
        for name in _DEFAULTABLE:
            setattr(self, name, given[name] if given[name] is not None else defaults.get(name))
        if self.retries is None:
            self.retries = 0
        self.task_id = task_id
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self.log = logging.getLogger(f"airflow.task.{task_id}")
        if self.dag:
            if any(t.task_id == task_id for t in self.dag.tasks):
                raise ValueError(f"duplicate task_id {task_id}")
            self.dag.tasks.append(self)

    def __rshift__(self, other: "BaseOperator") -> "BaseOperator":
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)
        return other

    def __lshift__(self, other: "BaseOperator") -> "BaseOperator":
        other >> self
        return other

    def execute(self, context: Any) -> Any:
        raise NotImplementedError

    def on_kill(self) -> None:
        pass
