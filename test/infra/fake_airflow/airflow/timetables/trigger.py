class CronTriggerTimetable:
    """A run at each cron tick; its logical date (and so `ds`) is the tick itself."""

    def __init__(self, cron: str, *, timezone: str) -> None:
        self.cron = cron
        self.timezone = timezone
