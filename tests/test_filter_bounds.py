"""Document filters (`models.queries.filtered_documents`): every bound includes its boundary, lower and
upper alike, and a declared label may be given in any case."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from models.contract_card import monthly_salary, rebuild_contract_card
from models.intake import submit_document
from models.normalisation import entity_values
from models.queries import DocumentFilter, filtered_documents
from models.schema import ContractCard, Document, Entity, ModelVersion
from models.tenancy import default_tenant_id, tenant_named


@pytest.fixture
def contract(db_session: Session) -> Document:
    """A done contract starting 1 June 2024 at 32.500 kr. a month."""
    document = submit_document(db_session, f"Kontrakt {uuid.uuid4()}".encode(), filename="k.txt").document
    model = ModelVersion(name=f"m-{uuid.uuid4()}", weights_sha256="0" * 64, labels=["O"])
    db_session.add(model)
    db_session.flush()
    for start, (label, text) in enumerate((("START_DATE", "1. juni 2024"), ("SALARY", "32.500 kr."))):
        db_session.add(
            Entity(
                document_id=document.id, label=label, text=text, start_char=start * 100,
                end_char=start * 100 + len(text), page=1, score=0.9, model_id=model.id,
                **entity_values(label, text, " pr. måned"),
            )
        )  # fmt: skip
    db_session.flush()
    rebuild_contract_card(db_session, document.id)
    return document


def found(session: Session, document: Document, **bounds: object) -> bool:
    query = filtered_documents(DocumentFilter(**bounds), default_tenant_id(session))  # type: ignore[arg-type]
    return document.id in [row.id for row, _card in session.execute(query)]


@pytest.mark.parametrize(
    "bounds",
    [
        pytest.param({"start_date_from": date(2024, 6, 1), "start_date_to": date(2024, 6, 1)}, id="start date"),
        pytest.param({"salary_min": Decimal(32500), "salary_max": Decimal(32500)}, id="salary"),
        pytest.param({"label": "SALARY", "value_gte": Decimal(32500), "value_lte": Decimal(32500)}, id="entity number"),
        pytest.param(
            {"label": "START_DATE", "value_gte": date(2024, 6, 1), "value_lte": date(2024, 6, 1)}, id="entity date"
        ),
    ],
)
def test_a_value_on_both_bounds_is_found(db_session: Session, contract: Document, bounds: dict[str, object]) -> None:
    assert found(db_session, contract, **bounds)


def test_the_creation_instant_is_inside_both_bounds(db_session: Session, contract: Document) -> None:
    # Before: created_to excluded its boundary while salary_max and value_lte included theirs.
    assert found(db_session, contract, created_from=contract.created_at, created_to=contract.created_at)


def test_a_day_before_the_start_date_excludes_it(db_session: Session, contract: Document) -> None:
    assert not found(db_session, contract, start_date_to=date(2024, 5, 31))
    assert not found(db_session, contract, salary_max=Decimal("32499.99"))


def test_a_declared_label_is_found_in_any_case(db_session: Session, contract: Document) -> None:
    assert found(db_session, contract, label="salary", value_gte=Decimal(30000))
    assert found(db_session, contract, label="Start_Date")
    assert not found(db_session, contract, label="pension")


def card_stating(session: Session, amount: str, period: str | None, weekly_hours: str | None = None) -> Document:
    """A document whose card states this salary (the card row as any writer may write it)."""
    document = submit_document(session, f"Kontrakt {uuid.uuid4()}".encode(), filename="k.txt").document
    hours = Decimal(weekly_hours) if weekly_hours is not None else None
    session.add(
        ContractCard(
            document_id=document.id, salary_amount=Decimal(amount), salary_currency="DKK", salary_period=period,
            weekly_hours=hours, confidence={}, flags=[], needs_review=False,
        )
    )  # fmt: skip
    session.flush()
    return document


# (stated amount, period, weekly hours) -> the monthly equivalent and how it was reached.
SALARIES = {
    "hourly, 37 h": (("200.00", "hour", "37.00"), "32066.67", "hourly x weekly_hours x 52 / 12"),
    "hourly, no hours": (("200.00", "hour", None), "32066.00", "hourly x 160.33 h"),
    "hourly, 20 h": (("210.00", "hour", "20.00"), "18200.00", "hourly x weekly_hours x 52 / 12"),
    "weekly": (("8000.00", "week", None), "34666.67", "weekly x 52 / 12"),
    "monthly": (("32500.00", "month", "37.00"), "32500.00", "monthly"),
    "yearly": (("420000.00", "year", None), "35000.00", "yearly / 12"),
    "unknown period": (("32500.00", None, None), None, None),
    "implausible hourly": (("9000000000.00", "hour", None), None, None),
}


def test_salaries_compare_as_monthly_equivalents_in_the_database_and_in_python(
    client: TestClient, db_session: Session
) -> None:
    tenant = tenant_named(db_session, "tests")
    assert tenant is not None
    documents = {}
    for name, ((amount, period, hours), _monthly, _basis) in SALARIES.items():
        document = card_stating(db_session, amount, period, hours)
        document.tenant_id = tenant.id
        documents[name] = document
    db_session.flush()

    for name, ((amount, period, hours), monthly, basis) in SALARIES.items():
        card = client.get(f"/v1/documents/{documents[name].id}/card").json()
        # Stated amount and period stay as the contract says them; the equivalent sits beside them.
        assert (card["salary_amount"], card["salary_period"]) == (amount, period), name
        assert (card["salary_monthly"], card["salary_monthly_basis"]) == (monthly, basis), name
        python = monthly_salary(Decimal(amount), period, Decimal(hours) if hours else None)
        assert (f"{python:f}" if python is not None else None) == monthly, name

    def matching(**bounds: str) -> set[str]:
        found_ids = {d["id"] for d in client.get("/v1/documents", params={**bounds, "limit": 100}).json()["items"]}
        return {name for name, document in documents.items() if str(document.id) in found_ids}

    # Before, salary_min=30000 matched the yearly 420,000 and the weekly 8,000 not, whatever they earn a month.
    assert matching(salary_min="34000") == {"weekly", "yearly"}
    assert matching(salary_min="32000", salary_max="33000") == {"hourly, 37 h", "hourly, no hours", "monthly"}
    assert matching(salary_max="20000") == {"hourly, 20 h"}
