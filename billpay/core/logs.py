"""Log filters."""

import logging

# The loggers through which Celery reports each task it schedules, receives and finishes.
CELERY_TASK_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


class TaskAtDebug(logging.Filter):
    """Records that name one of `task_names` are logged at DEBUG instead of their own level.

    The sandbox's clock (`sandbox_tick_task`, every 2 seconds in `make run`) would otherwise print
    three INFO lines every 2 seconds, burying what matters (syncs, payments, errors). Its lines
    still show with LOG_LEVEL=DEBUG (or a worker's --loglevel=debug).
    """

    def __init__(self, *task_names: str):
        super().__init__()
        self.task_names = task_names

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG:
            return True
        message = record.getMessage()
        if not any(name in message for name in self.task_names):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_tasks(*task_names: str) -> None:
    """Log Celery's scheduling and running of these tasks at DEBUG (see `TaskAtDebug`)."""
    for name in CELERY_TASK_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TaskAtDebug) for f in logger.filters):
            logger.addFilter(TaskAtDebug(*task_names))
