"""The counts that dashboards and `/metrics` read instead of counting rows (issue 17).

On Postgres, triggers of migration 0012b write every change to a count as a delta row in the same
transaction as the change itself; `pipeline_count_totals` adds the folded counts and the deltas up, so
a count is exact as soon as its transaction commits. Celery beat runs `compact_counts` every
`count_compaction_interval_s` to fold the deltas, which keeps reading them a matter of milliseconds.
The embedded SQLite default has no triggers: there `/metrics` counts rows, which at its size is cheap.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.orm import Session

# Moves every delta visible now into the folded counts. A delta committed meanwhile stays for the next
# run; two runs at once cannot fold one delta twice (the second waits for the first's row locks, then
# finds those deltas gone).
_FOLD = text("""
WITH moved AS (
    DELETE FROM dashboard_count_deltas RETURNING metric, hour, name, detail, bucket, n
)
INSERT INTO dashboard_counts AS counts (metric, hour, name, detail, bucket, n)
SELECT metric, hour, name, detail, bucket, sum(n) FROM moved GROUP BY metric, hour, name, detail, bucket
ON CONFLICT (metric, hour, name, detail, bucket) DO UPDATE SET n = counts.n + excluded.n
RETURNING metric, hour, name, detail, bucket, n
""")
_DROP_ZERO = text("""
DELETE FROM dashboard_counts
WHERE metric = :metric AND hour = :hour AND name = :name AND detail = :detail AND bucket = :bucket AND n = 0
""")


def counts_maintained(session: Session) -> bool:
    """Whether the database keeps the counts (Postgres), or they must be counted from the rows (SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def compact_counts(session: Session) -> int:
    """Fold the deltas into the counts and drop counts that came to zero; returns the counts touched."""
    if not counts_maintained(session):
        return 0
    folded = session.execute(_FOLD).all()
    for metric, hour, name, detail, bucket, n in folded:
        if n == 0:
            session.execute(
                _DROP_ZERO, {"metric": metric, "hour": hour, "name": name, "detail": detail, "bucket": bucket}
            )
    return len(folded)


def counts_of(session: Session, metric: str) -> dict[tuple[str, str], int]:
    """The not-per-hour counts of `metric` by (name, detail): e.g. `jobs` by (stage, state)."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    rows = session.execute(
        text("SELECT name, detail, n FROM pipeline_count_totals WHERE metric = :metric AND hour = 'epoch'"),
        {"metric": metric},
    )
    for name, detail, n in rows:
        totals[(name, detail)] += n
    return dict(totals)


def recount(session: Session) -> None:
    """Rebuild every count from the rows (after a bulk load that bypassed the triggers); writers wait."""
    session.execute(text("SELECT dashboard_counts_recount()"))
