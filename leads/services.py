import functools
import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, IntegrityError, connection, router, transaction
from django.db.models import Field, Q, QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from articles.inserts import (
    Statement,
    id_statement,
    insert_new,
    inserts_held,
    statements_run,
)
from articles.models import Mineral
from leads.contacts import email_domain, email_normalise
from leads.forms import CONSENT_TEXT
from leads.models import (
    ATTRIBUTION_FIELDS,
    Contact,
    Lead,
    LeadNote,
    LeadStatusChange,
)
from leads.pages import SourcePage
from leads.ratelimit import rate_limit_attempt
from leads.roles import SALES_GROUP

logger = logging.getLogger(__name__)


def _notifications_enqueue(lead_id: int, *, acknowledge: bool) -> None:
    from leads.tasks import send_lead_acknowledgement, send_lead_notification

    send_lead_notification.enqueue(lead_id=lead_id, attempt=1)
    if acknowledge and settings.LEADS_ACKNOWLEDGE:
        send_lead_acknowledgement.enqueue(lead_id=lead_id)


def _enqueue_notifications(lead_id: int, *, acknowledge: bool) -> None:
    # A stopped worker or broken queue must never cost the reader their lead.
    try:
        _notifications_enqueue(lead_id, acknowledge=acknowledge)
    except Exception:
        logger.exception("Could not queue the notification for lead %s", lead_id)


def _queue_is_in_lead_database() -> bool:
    """Whether the lead tasks are queued as rows of the leads' own database."""
    from leads.tasks import send_lead_notification

    return isinstance(
        send_lead_notification.get_backend(), DatabaseBackend
    ) and router.db_for_write(DBTaskResult) == router.db_for_write(Lead)


class _QueueFailed(Exception):
    """The lead's tasks could not be written in its transaction."""


class RateLimited(Exception):
    """The enquiry's address is past LEADS_RATE_LIMIT: nothing was stored."""

    def __init__(self, retry_at: float):
        super().__init__(retry_at)
        self.retry_at = retry_at


def lead_create(
    *,
    lead: Lead,
    minerals: Iterable[Mineral] = (),
    source_page: SourcePage | None = None,
    form_token: str | None = None,
    spam_reason: str = "",
    submitted_at: datetime | None = None,
    validated: bool = False,
    counted_against: str | None = None,
) -> tuple[Lead, bool]:
    """Complete, validate and save an unsaved enquiry; (lead, created). A
    repeated token returns the lead its first submission made. `submitted_at`
    is when the reader sent it, if that was earlier (a spooled enquiry).
    `validated`: `lead` comes from a LeadForm that validated it, so only what
    this function adds from elsewhere is checked again. `counted_against`: the
    client address the enquiry counts against LEADS_RATE_LIMIT, in the lead's
    own transaction (one commit for both; a repeated token counts nothing);
    past the limit, RateLimited is raised and nothing stored."""
    now = submitted_at or timezone.now()
    lead.created_at = now
    lead.consent_at = now if lead.consent else None
    lead.consent_text = CONSENT_TEXT if lead.consent else ""
    lead.source_page_id = source_page.pk if source_page else None
    lead.source_url = source_page.url if source_page else ""
    lead.source_title = source_page.title if source_page else ""
    lead.submission_token = form_token or None
    lead.spam_reason = spam_reason
    if spam_reason:
        lead.status = Lead.Status.SPAM
        lead.notification_state = Lead.NotificationState.SKIPPED
    # The source page was read from the database (its foreign key is checked
    # when the lead commits): no query to check it here. After a form, only
    # what came from elsewhere is left to check; the rest is this function's.
    exclude = (
        [name for name in _LEAD_FIELD_NAMES if name not in _FROM_ELSEWHERE]
        if validated
        else ["source_page"]
    )
    lead.full_clean(exclude=exclude, validate_constraints=False)
    queue_with_lead = not spam_reason and _queue_is_in_lead_database()
    try:
        try:
            _lead_insert(lead, minerals, queue=queue_with_lead, count=counted_against)
        except _QueueFailed:
            # The queue's table refused the tasks, and the transaction went
            # with them: the lead is saved again, and the queue asked after.
            logger.exception("Could not queue the notification with its lead")
            queue_with_lead = False
            _lead_insert(lead, minerals, queue=False, count=counted_against)
    except IntegrityError:
        first = (
            Lead.objects.filter(submission_token=form_token).first()
            if form_token
            else None
        )
        if first is not None:
            # A repeated token, or two requests with one token at the same
            # moment: the first one won.
            return first, False
        if source_page is None:
            raise
        # The source page was deleted since this process read it (leads.pages
        # keeps it up to LEADS_PAGES_RECHECK_SECONDS): the lead is kept without.
        return lead_create(
            lead=lead,
            minerals=minerals,
            form_token=form_token,
            spam_reason=spam_reason,
            submitted_at=submitted_at,
            validated=validated,
            counted_against=counted_against,
        )
    if not spam_reason and not queue_with_lead:
        # Any other queue is told once the lead is committed.
        transaction.on_commit(
            lambda: _enqueue_notifications(lead.pk, acknowledge=True), robust=True
        )
    return lead, True


_LEAD_FIELD_NAMES = [field.name for field in Lead._meta.fields]
# What lead_create stores from its arguments rather than from a form.
_FROM_ELSEWHERE = ("source_url", "source_title", "submission_token")


def _lead_insert(
    lead: Lead, minerals: Iterable[Mineral], *, queue: bool, count: str | None
) -> None:
    """Save `lead` and its minerals in one transaction; with `queue`, its
    notification tasks too (the queue is a table of this database); with
    `count`, the enquiry counted first against that address's rate limit.

    A repeated token is refused by the unique constraint, so the first
    submission costs no lookup. With `queue`, a worker sees the tasks when the
    lead commits, never without it, and they cost no commit of their own; a
    failing queue raises _QueueFailed (rolling the lead back), instead of a
    savepoint guarding every enquiry against it. Whatever fails, the
    transaction rolls back and `lead` is left unsaved, to be saved again.

    On PostgreSQL this takes four round trips: the count, the contact and the
    lead's id go together, then the lead with its tasks, between the
    transaction's beginning and end (articles.inserts).
    """
    using = router.db_for_write(Lead)
    try:
        with transaction.atomic(using=using):
            attempt = rate_limit_attempt(count) if count is not None else None
            first = {
                "count": attempt.statement if attempt else None,
                "contact": contact_upsert_statement(lead=lead) if lead.email else None,
                "id": id_statement(Lead, using),
            }
            first = {name: statement for name, statement in first.items() if statement}
            rows = dict(
                zip(first, statements_run(using, list(first.values())), strict=True)
            )
            if attempt and not (verdict := attempt.verdict(rows["count"][0])).allowed:
                raise RateLimited(verdict.retry_at)
            lead.contact_id = rows["contact"][0] if "contact" in rows else None
            if "id" in rows:
                lead.pk = rows["id"][0]
            auto_assign = settings.LEADS_AUTO_ASSIGN and not lead.spam_reason
            if auto_assign and not lead.owner_id:
                lead.owner = sales_next_owner()
            try:
                with inserts_held(using):
                    # Built once, not for each lead (see articles.inserts).
                    insert_new(lead)
                    if queue:
                        try:
                            _notifications_enqueue(lead.pk, acknowledge=True)
                        except Exception as error:
                            raise _QueueFailed from error
            except DatabaseError as error:
                # Sent with the lead: a refused token is the lead's, anything
                # else the queue's (the lead alone is sent again).
                if queue and not isinstance(error, IntegrityError):
                    raise _QueueFailed from error
                raise
            through = Lead.minerals.through
            through.objects.bulk_create(
                [through(lead=lead, mineral_id=mineral.pk) for mineral in minerals]
            )
    except BaseException:
        lead.pk = None
        lead._state.adding = True
        raise


def contact_link(*, lead: Lead) -> int:
    """The id of the contact of `lead`'s address, made if new, its first or
    last touch moved to `lead` when it is earlier or later."""
    ((contact_id,),) = statements_run(
        router.db_for_write(Contact), [contact_upsert_statement(lead=lead)]
    )
    return contact_id


def contact_upsert_statement(*, lead: Lead) -> Statement:
    """The statement that makes or touches the contact of `lead`'s address;
    its row is the contact's id.

    One INSERT ... ON CONFLICT (email) DO UPDATE: two first enquiries at once
    make one contact, and the enquiries of one contact take turns on its row
    (a spooled one may be older than its first touch).
    """
    email = email_normalise(lead.email)
    contact = Contact(email=email, domain=email_domain(email))
    contact.touch("first", lead)
    contact.touch("last", lead)
    sql, fields = _contact_upsert_sql(connection.vendor)
    return sql, [
        field.get_db_prep_save(getattr(contact, field.attname), connection)
        for field in fields
    ]


@functools.cache
def _contact_upsert_sql(vendor: str) -> tuple[str, list[Field]]:
    """contact_upsert_statement's SQL for a database `vendor`, and its fields in
    the order of its parameters: built once, not for every enquiry."""
    meta = Contact._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    touches = []
    for which, moves in (("first", "<"), ("last", ">=")):
        seen = quote(f"{which}_seen_at")
        for name in Contact.touch_fields(which):
            column = quote(meta.get_field(name).column)
            touches.append(
                f"{column} = CASE WHEN excluded.{seen} {moves} {table}.{seen} "
                f"THEN excluded.{column} ELSE {table}.{column} END"
            )
    sql = (
        f"INSERT INTO {table} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(meta.get_field('email').column)}) "
        f"DO UPDATE SET {', '.join(touches)} "
        f"RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


def contacts_without_leads_delete() -> int:
    """Delete the contacts whose every lead was deleted (purged spam)."""
    count, _ = Contact.objects.filter(leads__isnull=True).delete()
    return count


def sales_next_owner() -> AbstractBaseUser | None:
    """The next active member of the Sales group, by id, after the owner of
    the latest lead one of them owns; None when the group has none. Call
    inside a transaction: concurrent calls take turns on the group's row."""
    group = Group.objects.select_for_update().filter(name=SALES_GROUP).first()
    if group is None:
        return None
    members = list(
        get_user_model()
        .objects.filter(groups=group, is_active=True)
        .order_by("pk")
        .only("pk")
    )
    if not members:
        return None
    latest = (
        Lead.objects.filter(owner__in=members)
        .order_by("-pk")
        .values_list("owner_id", flat=True)
        .first()
    )
    later = [user for user in members if latest is not None and user.pk > latest]
    return (later or members)[0]


def lead_set_status(
    *, lead: Lead, status: str, user: AbstractBaseUser | None
) -> LeadStatusChange | None:
    """Change the status and record who did it; None when nothing changed."""
    previous = Lead.objects.filter(pk=lead.pk).values_list("status", flat=True).get()
    lead.status = status
    if previous == status:
        return None
    with transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(status=status)
        return LeadStatusChange.objects.create(
            lead=lead, changed_by=user, from_status=previous, to_status=status
        )


def lead_note_create(*, lead: Lead, author: AbstractBaseUser, text: str) -> LeadNote:
    return LeadNote.objects.create(lead=lead, author=author, text=text)


def lead_notification_resend(*, lead: Lead) -> bool:
    """Queue the notification again from attempt 1; False for spam, an erased
    lead or one being sent right now. A retry still queued then finds the lead
    no longer waiting for it and sends nothing (see leads/tasks.py)."""
    queued = (
        Lead.objects.filter(pk=lead.pk, erased_at=None)
        .exclude(status=Lead.Status.SPAM)
        .exclude(notification_state=Lead.NotificationState.SENDING)
        .update(
            notification_state=Lead.NotificationState.PENDING,
            notification_attempts=0,
            notification_error="",
        )
    )
    if queued:
        transaction.on_commit(
            lambda: _enqueue_notifications(lead.pk, acknowledge=False), robust=True
        )
    return bool(queued)


def lead_follow_up_due(*, now: datetime | None = None) -> QuerySet[Lead]:
    """Leads still new LEADS_FOLLOW_UP_HOURS after they came in."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.LEADS_FOLLOW_UP_HOURS)
    return Lead.objects.filter(
        status=Lead.Status.NEW, erased_at=None, created_at__lte=cutoff
    )


def lead_follow_ups_queue(*, now: datetime | None = None) -> int:
    """Queue one reminder per overdue lead not yet reminded; how many. Each
    lead is claimed by one conditional UPDATE in the transaction that queues
    its task, so two workers never both queue one."""
    from leads.tasks import send_lead_follow_up

    now = now or timezone.now()
    due = lead_follow_up_due(now=now).filter(follow_up_sent_at=None)
    queued = 0
    for lead_id in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Lead.objects.filter(
                pk=lead_id, follow_up_sent_at=None, status=Lead.Status.NEW
            ).update(follow_up_sent_at=now)
            if claimed:
                send_lead_follow_up.enqueue(lead_id=lead_id)
                queued += claimed
    return queued


ERASED = "[erased]"
# What erasure leaves of a lead: its status, dates, minerals, investor type and
# range and source page remain as anonymous counts.
ERASED_VALUES = {
    "name": ERASED,
    **dict.fromkeys(
        (
            "email",
            "company",
            "phone",
            "country",
            "message",
            "consent_text",
            "notification_error",
            *ATTRIBUTION_FIELDS,
        ),
        "",
    ),
}
CLOSED_STATUSES = (Lead.Status.WON, Lead.Status.LOST, Lead.Status.SPAM)
ERASE_BATCH = 500


def lead_data_erase(*, email: str) -> int:
    """Erase the personal data of every lead from `email`, wherever it is held,
    and delete their contact."""
    normalised = email_normalise(email)
    count = _leads_erase(
        Lead.objects.filter(
            Q(email__iexact=email) | Q(contact__email=normalised), erased_at=None
        )
    )
    Contact.objects.filter(email=normalised).delete()
    return count


def lead_erase_expired(*, now: datetime | None = None) -> int:
    """Erase closed leads (won, lost, spam) whose last change (creation, status
    change or note) is more than LEADS_RETENTION_DAYS old."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LEADS_RETENTION_DAYS)
    expired = (
        Lead.objects.filter(
            status__in=CLOSED_STATUSES, erased_at=None, created_at__lt=cutoff
        )
        .exclude(status_changes__changed_at__gte=cutoff)
        .exclude(notes__created_at__gte=cutoff)
    )
    return _leads_erase(expired)


def _leads_erase(leads: QuerySet[Lead]) -> int:
    ids = list(leads.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), ERASE_BATCH):
        batch = ids[start : start + ERASE_BATCH]
        with transaction.atomic():
            contact_ids = set(
                Lead.objects.filter(pk__in=batch, contact__isnull=False).values_list(
                    "contact_id", flat=True
                )
            )
            Lead.objects.filter(pk__in=batch).update(
                **ERASED_VALUES, contact=None, erased_at=timezone.now()
            )
            # A contact goes with its last enquiry; until then it keeps its
            # first touch, the business's record of how the person came.
            Contact.objects.filter(pk__in=contact_ids, leads__isnull=True).delete()
            LeadNote.objects.filter(lead_id__in=batch).update(text=ERASED)
            _admin_history_erase(batch)
            # Tasks carry only the lead's id, but a failed one keeps its
            # traceback, whose error may quote the address.
            DBTaskResult.objects.filter(
                task_path__startswith="leads.tasks.",
                args_kwargs__kwargs__lead_id__in=batch,
            ).exclude(status=TaskResultStatus.RUNNING).delete()
    return len(ids)


def _admin_history_erase(lead_ids: list[int]) -> None:
    """Admin history keeps what was done to a lead and when, not to whom."""
    entries = list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Lead),
            object_id__in=[str(pk) for pk in lead_ids],
        )
    )
    for entry in entries:
        entry.object_repr = f"Lead #{entry.object_id} (erased)"
        entry.change_message = _change_message_without_values(entry.change_message)
    LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"])


def _change_message_without_values(change_message: str) -> str:
    """Django's JSON change message with its field and model names, but each
    related object's name replaced; a free-text message goes entirely."""
    try:
        actions = json.loads(change_message)
    except ValueError:
        return ""
    if not isinstance(actions, list):
        return ""
    kept = []
    for action in actions:
        if not isinstance(action, dict):
            continue
        verbs = {}
        for verb, detail in action.items():
            if verb not in ("added", "changed", "deleted"):
                continue
            detail = detail if isinstance(detail, dict) else {}
            verbs[verb] = {
                key: ERASED if key == "object" else detail[key]
                for key in ("name", "object", "fields")
                if key in detail
            }
        kept.append(verbs)
    return json.dumps(kept)
