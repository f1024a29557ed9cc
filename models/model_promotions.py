"""Which model the ner workers load (issue 14): promotion is explicit, recorded and reversible.

`contract-ner models promote DIR` appends a `promote` row, `contract-ner models rollback` a `rollback`
row; rows are never changed. The current model is found by replaying them in order as a stack (promote
pushes, rollback pops), so a rollback returns to whatever was current before the last promotion still in
effect, and rolling back the first one returns to the configured `CONTRACT_NER_MODEL`, which stays the
model whenever nothing is promoted. Workers resolve the model when they load it (`worker.tasks`), so a
promotion takes effect on their next start, or at once with `contract-ner models promote --reload`.

Plain functions on the caller's session: they flush, the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models.results_key import weights_fingerprint
from models.schema import ModelPromotion
from models.settings import Settings

PROMOTION_ACTIONS = ("promote", "rollback")


class PromotionRefused(Exception):
    """A promotion or rollback that cannot be done: not a checkpoint, or nothing to roll back."""


def model_revision(model_dir: Path) -> str:
    """A checkpoint's revision id: the first 12 hex digits of its weights' sha256, the suffix of the
    `model_revision` its entities carry (`models.schema.Entity.model_revision`)."""
    return weights_fingerprint(model_dir)[:12]


def history(session: Session) -> Sequence[ModelPromotion]:
    return session.scalars(select(ModelPromotion).order_by(ModelPromotion.id)).all()


def in_effect(rows: Sequence[ModelPromotion]) -> list[ModelPromotion]:
    """The promotions not rolled back, oldest first; the last is the current model."""
    stack: list[ModelPromotion] = []
    for row in rows:
        if row.action == "promote":
            stack.append(row)
        elif stack:
            stack.pop()
    return stack


def current_promotion(session: Session) -> ModelPromotion | None:
    stack = in_effect(history(session))
    return stack[-1] if stack else None


def promote(session: Session, model_dir: Path, actor: str) -> ModelPromotion:
    """Make `model_dir` the model workers load. The path is stored resolved (absolute): workers run
    from other directories than the command that promotes."""
    model_dir = model_dir.resolve()
    if not (model_dir / "config.json").is_file() or not _has_weights(model_dir):
        raise PromotionRefused(f"no Hugging Face checkpoint (config.json and weights) at {model_dir}")
    row = ModelPromotion(action="promote", model_path=str(model_dir), revision=model_revision(model_dir), actor=actor)
    session.add(row)
    session.flush()
    return row


def rollback(session: Session, actor: str) -> ModelPromotion:
    """Undo the last promotion still in effect; the row names the model current again (null: the
    configured one)."""
    stack = in_effect(history(session))
    if not stack:
        raise PromotionRefused("nothing is promoted: the workers already load the configured model")
    back_to = stack[-2] if len(stack) > 1 else None
    row = ModelPromotion(
        action="rollback",
        model_path=back_to.model_path if back_to else None,
        revision=back_to.revision if back_to else None,
        actor=actor,
    )
    session.add(row)
    session.flush()
    return row


def promoted_model(session: Session, settings: Settings) -> Path:
    """The model the workers load: the current promotion's directory, else `settings.model`."""
    current = current_promotion(session)
    return Path(current.model_path) if current is not None and current.model_path else Path(settings.model)


def worker_model(settings: Settings) -> Path:
    """`promoted_model` on a session of its own, as a worker resolves it when it loads the model. A
    database that cannot answer (not migrated yet, unreachable) leaves the configured model: a worker
    that cannot read the promotions still works, as before there were any."""
    from models.db import session_scope

    try:
        with session_scope() as session:
            return promoted_model(session, settings)
    except SQLAlchemyError:
        return Path(settings.model)


def _has_weights(model_dir: Path) -> bool:
    return any(model_dir.glob("*.safetensors")) or any(model_dir.glob("*.bin"))
