"""django-tasks-db's `db_worker`, kept running through a database outage.

The library's loop re-raises any OperationalError but a locked database, so the
worker exits when PostgreSQL stops. This command (articles comes before
django_tasks_db in INSTALLED_APPS) runs the same loop inside a guard that drops
the broken connection, waits with a growing back-off and tries again; between
polls it runs the due periodic jobs (`articles.periodic`).
"""

import logging
import random
import time

from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.utils.autoreload import run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from articles.periodic import run_due_jobs

logger = logging.getLogger("django_tasks_db")

# The longest wait between two attempts to reach the database again.
MAX_BACKOFF_SECONDS = 10.0
# How often a busy worker looks for due periodic jobs between tasks.
JOBS_CHECK_SECONDS = 1.0


class ResilientWorker(db_worker.Worker):
    jobs_checked_at = -JOBS_CHECK_SECONDS

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s",
            self.worker_id,
            ",".join(self.queue_names),
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads a thundering herd
        failures = 0
        while self.running:
            try:
                task_result, finished = self.poll()
            except (OperationalError, InterfaceError) as error:
                failures += 1
                delay = min(
                    max(self.interval, 0.5) * 2 ** (failures - 1), MAX_BACKOFF_SECONDS
                )
                reason = str(error).strip().partition("\n")[0] or type(error).__name__
                logger.warning(
                    "Database unavailable (%s); trying again in %.1f s", reason, delay
                )
                connections.close_all()
                time.sleep(delay)
                continue
            if failures:
                logger.warning("Database reachable again after %d attempt(s)", failures)
                failures = 0
            if finished:
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def poll(self) -> tuple[DBTaskResult | None, bool]:
        """One round of the library's loop: (the task run, whether to stop)."""
        close_old_connections()
        if time.monotonic() - self.jobs_checked_at >= JOBS_CHECK_SECONDS:
            run_due_jobs()
            self.jobs_checked_at = time.monotonic()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    # Claimed, so that no other worker process runs it.
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            return None, False
        if task_result is not None:
            self.run_task(task_result)
        elif self.batch:
            logger.info("No more tasks to run for worker_id=%s.", self.worker_id)
            return None, True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Ran the maximum of %d tasks.", self._run_tasks)
            return task_result, True
        close_old_connections()
        return task_result, False


class Command(db_worker.Command):
    help = (
        "Run the task worker and the periodic jobs; it outlives database outages, "
        "reconnecting with back-off."
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot go together: not reloading.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError(
                "--exclude-queues can only be used with --queue-name=*"
            )
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            # Development only: the reloader's default signal handling stops it.
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
