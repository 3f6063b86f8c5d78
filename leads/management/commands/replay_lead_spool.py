from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leads.offline import DATABASE_UNREACHABLE
from leads.spool import REJECTED, spool_dir, spool_replay


class Command(BaseCommand):
    help = (
        "Save the enquiries spooled on this host while the database was down, each "
        "once, and queue their notifications."
    )

    def handle(self, *args, **options):
        try:
            replay = spool_replay()
        except DATABASE_UNREACHABLE as error:
            raise CommandError(
                "The database cannot be reached, so the spooled enquiries stay in "
                f"{settings.LEADS_SPOOL_DIR} for the next replay ({error})."
            ) from None
        self.stdout.write(
            f"Saved {replay.created} spooled enquiry(ies); "
            f"{replay.already_saved} were already saved."
        )
        if replay.rejected:
            self.stderr.write(
                f"Kept aside {len(replay.rejected)} spooled line(s) that cannot be "
                f"saved, in {spool_dir() / REJECTED}:"
            )
            for reason in replay.rejected:
                self.stderr.write(f"  {reason}")
