"""The leads app's periodic jobs (see `articles.periodic`)."""

import logging

from articles.periodic import periodic_job
from leads.offline import DATABASE_UNREACHABLE, offline_copies_refresh
from leads.ratelimit import rate_counters_prune
from leads.services import lead_erase_expired, lead_follow_ups_queue
from leads.spool import spool_replay

logger = logging.getLogger(__name__)


# Per host: the spool is this host's disk, and the job must also run while the
# database is down, when no database row can be claimed. spool_replay's file
# lock keeps two workers on one host from replaying together.
@periodic_job(
    "leads.replay_lead_spool", every="LEADS_SPOOL_REPLAY_SECONDS", per_host=True
)
def replay_lead_spool() -> None:
    try:
        offline_copies_refresh()
        replay = spool_replay()
    except DATABASE_UNREACHABLE as error:
        logger.warning("Lead spool not replayed, database unreachable: %s", error)
        return
    if replay.created or replay.rejected:
        logger.warning(
            "Lead spool replayed: %d saved, %d already saved, %d kept aside",
            replay.created,
            replay.already_saved,
            len(replay.rejected),
        )


@periodic_job("leads.erase_expired_leads", every="LEADS_RETENTION_JOB_SECONDS")
def erase_expired_leads() -> None:
    count = lead_erase_expired()
    if count:
        logger.info("Retention: erased the personal data of %d lead(s)", count)


@periodic_job("leads.queue_follow_ups", every="LEADS_FOLLOW_UP_CHECK_SECONDS")
def queue_follow_ups() -> None:
    count = lead_follow_ups_queue()
    if count:
        logger.info("Follow-up: queued %d reminder(s)", count)


@periodic_job("leads.prune_rate_counters", every="LEADS_RATE_PRUNE_SECONDS")
def prune_rate_counters() -> int:
    """Forget the rate limit's counts of windows that have ended."""
    return rate_counters_prune()
