"""The lead spool: enquiries kept on this host's disk while the database is down.

The enquiry view appends each valid submission it could not save as one JSON
line to `spool.jsonl` in LEADS_SPOOL_DIR, fsynced before the reader is thanked.
`spool_replay` (the `replay_lead_spool` command, and the worker every
LEADS_SPOOL_REPLAY_SECONDS) renames that file aside and saves each line through
`lead_create`: the submission token makes a second replay of a line find its
lead instead of making another. A line that cannot become a lead goes to
`rejected.jsonl` with the reason, and is logged.

Locks: a replay holds `replay.lock` for its whole run, so replays on one host
take turns; appends and the rename hold `spool.jsonl` itself, briefly, so that
no line is written into a file already renamed aside.
"""

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from wagtail.models import Page

from articles.models import Mineral
from leads.models import Lead

logger = logging.getLogger(__name__)

SPOOL = "spool.jsonl"
REPLAYING = "replaying.jsonl"
REJECTED = "rejected.jsonl"
REPLAY_LOCK = "replay.lock"


@dataclass
class Replay:
    created: int = 0
    already_saved: int = 0
    rejected: list[str] = field(default_factory=list)


def spool_dir() -> Path:
    return Path(settings.LEADS_SPOOL_DIR)


def spool_append(
    *,
    fields: dict,
    minerals: list[int],
    source_page: int | None,
    form_token: str,
    spam_reason: str,
    submitted_at: datetime,
) -> None:
    """Append one submission durably; it is on disk when this returns."""
    record = {
        "form_token": form_token,
        "submitted_at": submitted_at.isoformat(),
        "fields": fields,
        "minerals": minerals,
        "source_page": source_page,
        "spam_reason": spam_reason,
    }
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    directory = spool_dir()
    # Readers' personal details: for the site's user alone.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked_spool(directory) as fd:
        os.write(fd, line)
        os.fsync(fd)
    _fsync_dir(directory)


def spool_pending() -> int:
    """Submissions waiting on this host."""
    directory = spool_dir()
    return sum(
        len((directory / name).read_bytes().splitlines())
        for name in (REPLAYING, SPOOL)
        if (directory / name).exists()
    )


def spool_replay() -> Replay:
    """Save every spooled submission once; at a database error, stop and leave
    the lines not yet saved to the next replay."""
    directory = spool_dir()
    result = Replay()
    if not (directory / SPOOL).exists() and not (directory / REPLAYING).exists():
        return result
    with open(directory / REPLAY_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # A replay that stopped half-way left its file: finish that one first.
        for _ in range(2):
            if not (directory / REPLAYING).exists() and not _rotate(directory):
                break
            _replay_file(directory, result)
            (directory / REPLAYING).unlink()
            _fsync_dir(directory)
    return result


@contextmanager
def _locked_spool(directory: Path) -> Iterator[int]:
    """The spool file's descriptor, locked, and still the one at its path."""
    path = directory / SPOOL
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        # A replay renamed it aside while this process waited for the lock.
        os.close(fd)
    try:
        yield fd
    finally:
        os.close(fd)


def _rotate(directory: Path) -> bool:
    if not (directory / SPOOL).exists():
        return False
    with _locked_spool(directory):
        os.rename(directory / SPOOL, directory / REPLAYING)
    _fsync_dir(directory)
    return True


def _replay_file(directory: Path, result: Replay) -> None:
    lines = (directory / REPLAYING).read_bytes().splitlines(keepends=True)
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            _, created = _save(raw)
        except (DatabaseError, InterfaceError):
            # Keep only what is left, so that a rejected line is not met twice.
            _replace(directory / REPLAYING, b"".join(lines[index:]))
            raise
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            reason = f"{type(error).__name__}: {error}"
            _reject(directory, raw, reason)
            result.rejected.append(reason)
            continue
        if created:
            result.created += 1
        else:
            result.already_saved += 1


def _replace(path: Path, content: bytes) -> None:
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, path)
    _fsync_dir(path.parent)


def _save(raw: bytes) -> tuple[Lead, bool]:
    from leads.pages import SourcePage
    from leads.services import lead_create

    record = json.loads(raw)
    if not isinstance(record, dict) or not record.get("form_token"):
        raise ValueError("not a spooled submission")
    page = None
    if record.get("source_page"):
        page = Page.objects.live().public().filter(pk=record["source_page"]).first()
    submitted_at = parse_datetime(record["submitted_at"])
    if submitted_at is None:
        raise ValueError("submitted_at is not a date and time")
    return lead_create(
        lead=Lead(**record["fields"]),
        minerals=Mineral.objects.filter(pk__in=record["minerals"]),
        source_page=SourcePage.of(page) if page else None,
        form_token=str(record["form_token"]),
        spam_reason=str(record["spam_reason"]),
        submitted_at=submitted_at,
    )


def _reject(directory: Path, raw: bytes, reason: str) -> None:
    logger.error("Lead spool: kept aside a submission that cannot be saved, %s", reason)
    entry = {
        "rejected_at": timezone.now().isoformat(),
        "reason": reason,
        "line": raw.decode(errors="replace").rstrip("\n"),
    }
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    fd = os.open(directory / REJECTED, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
