"""Prints, as one JSON line, every try of every task instance in an Airflow metadata DB (sqlite):
the earlier tries from task_instance_history, the latest from task_instance, and each run's
return_value XCom. Run by airflow.test.ts with the airflow venv's python.

  airflow_tries.py AIRFLOW_DB
"""
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
COLUMNS = "ti.dag_id, ti.task_id, dr.logical_date, ti.try_number, ti.max_tries, ti.state"
tries = []
for table in ("task_instance_history", "task_instance"):
    rows = db.execute(f"SELECT {COLUMNS} FROM {table} ti JOIN dag_run dr ON dr.dag_id = ti.dag_id AND dr.run_id = ti.run_id")
    for dag_id, task_id, logical_date, try_number, max_tries, state in rows:
        tries.append({"dag_id": dag_id, "task_id": task_id, "logical_date": str(logical_date)[:10], "try_number": try_number,
                      "max_tries": max_tries, "state": state, "latest": table == "task_instance"})
tries.sort(key=lambda t: (t["dag_id"], t["logical_date"], t["try_number"]))
xcoms = {}
for dag_id, logical_date, value in db.execute(
        "SELECT x.dag_id, dr.logical_date, x.value FROM xcom x JOIN dag_run dr ON dr.dag_id = x.dag_id AND dr.run_id = x.run_id WHERE x.key = 'return_value'"):
    xcoms[f"{dag_id} {str(logical_date)[:10]}"] = json.loads(value)
print(json.dumps({"tries": tries, "xcoms": xcoms}))
