"""Periodic jobs: the project's one mechanism, run by `manage.py db_worker`.

An app declares its jobs in a `jobs.py` module, found the way `wagtail_hooks.py`
modules are::

    # leads/jobs.py
    from articles.periodic import periodic_job

    @periodic_job("leads.erase_expired_leads", every="LEADS_RETENTION_JOB_SECONDS")
    def erase_expired_leads() -> None: ...

`every` names a setting holding the interval in seconds, read each time, so a
test shortens it with `override_settings`. Between polls each worker claims a
due job with one conditional UPDATE of its `PeriodicJob` row: however many
workers run, one of them runs it, and a restarted worker keeps its schedule.

A `per_host=True` job is claimed by no database row: every worker process runs
it on its own clock, also while the database is down. It must guard itself
against a second process on its host (the lead spool replay holds a file lock).
"""

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[[], object]
    every: str
    per_host: bool

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=float(getattr(settings, self.every)))


JOBS: dict[str, Job] = {}
# When each per-host job last started, on this process's monotonic clock.
_host_started: dict[str, float] = {}
_discovered = False


def periodic_job(name: str, *, every: str, per_host: bool = False):
    """Register the decorated function to run every `settings.<every>` seconds."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        if not hasattr(settings, every):
            raise ValueError(f"Periodic job {name!r}: no setting named {every}.")
        JOBS[name] = Job(name=name, function=function, every=every, per_host=per_host)
        return function

    return register


def registered_jobs() -> list[Job]:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True
    return list(JOBS.values())


def run_due_jobs() -> list[str]:
    """Run every job due now; the names of those this process ran.

    A database error while claiming propagates (the worker backs off); a job's
    own failure is logged and recorded, and the other jobs still run.
    """
    jobs = registered_jobs()
    ran = []
    for job in (job for job in jobs if job.per_host):
        now = time.monotonic()
        last = _host_started.get(job.name)
        if last is None or now - last >= job.interval.total_seconds():
            _host_started[job.name] = now
            _run(job)
            ran.append(job.name)
    for job in (job for job in jobs if not job.per_host):
        if _claim(job):
            _record(job, error=_run(job))
            ran.append(job.name)
    return ran


def _claim(job: Job) -> bool:
    from articles.models import PeriodicJob

    now = timezone.now()
    PeriodicJob.objects.get_or_create(name=job.name)
    # Once the first UPDATE commits, every other worker's finds its row no
    # longer due: PostgreSQL re-checks the condition on the updated row.
    claimed = (
        PeriodicJob.objects.filter(name=job.name)
        .filter(
            Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.interval)
        )
        .update(last_started_at=now)
    )
    return claimed == 1


def _run(job: Job) -> str:
    """Run a job; its traceback, or "" when it succeeded."""
    try:
        job.function()
    except Exception:
        logger.exception("Periodic job %s failed", job.name)
        return traceback.format_exc()
    return ""


def _record(job: Job, *, error: str) -> None:
    from articles.models import PeriodicJob

    PeriodicJob.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(), last_error=error[-5000:]
    )
