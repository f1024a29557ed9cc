"""card durations as the contract says them: notice and probation periods keep their value and unit
(14 days) beside the months used for comparing and sorting (0.47)

The new columns are filled for existing cards from the entity the card chose (highest score, the first
mention on equal scores, as `models.contract_card` picks it), and `contract_card_view` shows them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DURATIONS = {"notice_period": "NOTICE_PERIOD", "probation_period": "PROBATION_PERIOD"}

VIEW_SELECT = """
CREATE VIEW contract_card_view AS
SELECT d.id AS document_id, d.tenant_id, d.filename, d.external_id, d.version, d.status, d.created_at,
       d.finished_at, c.employer, c.employee, c.job_title, c.workplace, c.start_date, c.end_date,
       c.weekly_hours, c.salary_amount, c.salary_currency, c.salary_period, c.pension_percent,
       c.notice_period_months, c.probation_period_months,{durations} c.needs_review, c.flags, c.confidence
FROM documents d
JOIN contract_cards c ON c.document_id = d.id
"""
CONTRACT_CARD_VIEW = VIEW_SELECT.format(
    durations="\n       c.notice_period_value, c.notice_period_unit, c.probation_period_value, c.probation_period_unit,"
)
CONTRACT_CARD_VIEW_0005 = VIEW_SELECT.format(durations="")

# The card's choice among a document's duration entities: a usable one (a number in a known unit that fits
# the card's Numeric(8, 2)) with the highest score, the first mention on equal scores.
CHOSEN = """
(SELECT {column} FROM entities e
 WHERE e.document_id = contract_cards.document_id AND e.label = '{label}' AND e.value_number IS NOT NULL
   AND e.value_unit IN ('days', 'weeks', 'months', 'years') AND ABS(e.value_number) < 1000000
 ORDER BY e.score DESC, e.start_char, e.id LIMIT 1)
"""


def upgrade() -> None:
    op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("contract_cards") as batch:
        for field in DURATIONS:
            batch.add_column(sa.Column(f"{field}_value", sa.Numeric(precision=8, scale=2), nullable=True))
            batch.add_column(sa.Column(f"{field}_unit", sa.String(length=8), nullable=True))
    for field, label in DURATIONS.items():
        value = CHOSEN.format(column="ROUND(e.value_number, 2)", label=label)
        unit = CHOSEN.format(column="e.value_unit", label=label)
        op.execute(
            f"UPDATE contract_cards SET {field}_value = {value}, {field}_unit = {unit} WHERE {field}_months IS NOT NULL"
        )
    op.execute(CONTRACT_CARD_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("contract_cards") as batch:
        for field in reversed(DURATIONS):
            batch.drop_column(f"{field}_unit")
            batch.drop_column(f"{field}_value")
    op.execute(CONTRACT_CARD_VIEW_0005)
