"""Retention under Dagster: a daily schedule removes journals and delete-all
snapshots older than JOURNAL_RETENTION_DAYS (importing/journal.py)."""

import dagster as dg

from pipelines.defs.resources import PostgresResource
from pipelines.importing.journal import prune_journals
from pipelines.settings import journal_retention_days


@dg.op(description="Remove import journals and delete-all snapshots older than JOURNAL_RETENTION_DAYS.")
def prune_history(context: dg.OpExecutionContext, postgres: PostgresResource) -> None:
    days = journal_retention_days()
    pruned = prune_journals(postgres.resolved_url(), days)
    context.log.info(
        f"Older than {days:g} days: journals of {pruned['imports']} imports ({pruned['journal_rows']:,} rows) "
        f"and {pruned['deletions']} delete-all snapshots removed"
    )
    context.add_output_metadata({**pruned, "retention_days": days})


@dg.job(description="Apply the retention of undo journals and delete-all snapshots.")
def apply_retention():
    prune_history()


journal_retention = dg.ScheduleDefinition(
    name="journal_retention",
    job=apply_retention,
    cron_schedule="17 3 * * *",  # daily, at a quiet hour
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily: removes what is older than JOURNAL_RETENTION_DAYS (undo and restore end there).",
)
