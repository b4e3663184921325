from __future__ import annotations

from typing import Any

# Every DAG built since the interpreter started, in order; the harness reads it.
DAGS: list["DAG"] = []
_CURRENT: list["DAG"] = []


class DAG:
    def __init__(self, dag_id: str, *, schedule: Any = None, start_date: Any = None, catchup: bool | None = None,
                 default_args: dict | None = None, params: dict | None = None, max_active_runs: int | None = None,
                 description: str | None = None, tags: list[str] | None = None) -> None:
        self.dag_id = dag_id
        self.schedule = schedule
        self.start_date = start_date
        self.catchup = catchup
        self.default_args = dict(default_args or {})
        self.params = dict(params or {})
        self.max_active_runs = max_active_runs
        self.description = description
        self.tags = list(tags or [])
        self.tasks: list[Any] = []
        DAGS.append(self)

    def __enter__(self) -> "DAG":
        _CURRENT.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _CURRENT.pop()


def current_dag() -> DAG | None:
    return _CURRENT[-1] if _CURRENT else None
