"""Background jobs of the news portal."""

from django_tasks import task


@task()
def flush_read_counts() -> int:
    """Add the read counts pending in the cache to the database."""
    from .readcounts import flush_pending_reads

    return flush_pending_reads()
