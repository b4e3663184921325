class AirflowException(Exception):
    """Failing the task; retried while the task has retries left."""


class AirflowFailException(AirflowException):
    """Failing the task without retrying."""


class AirflowSkipException(AirflowException):
    """Marking the task skipped."""
