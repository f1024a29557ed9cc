"""Document filters (`models.queries.filtered_documents`): every bound includes its boundary, lower and
upper alike, and a declared label may be given in any case."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from models.contract_card import rebuild_contract_card
from models.intake import submit_document
from models.normalisation import entity_values
from models.queries import DocumentFilter, filtered_documents
from models.schema import Document, Entity, ModelVersion
from models.tenancy import default_tenant_id


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
