"""Runs the Alembic revisions programmatically (CLI `contract-ner migrate`, tests, `run`)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from models.schema import PipelineStage
from models.settings import REPO_ROOT
from models.stages import PIPELINE


def alembic_config(database_url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
    if revision == "head":
        sync_pipeline_stages(database_url)


def sync_pipeline_stages(database_url: str) -> None:
    """Make `pipeline_stages` list exactly the code's stages: a new stage shows in the dashboards
    after the next `contract-ner migrate`, with no revision of its own."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(delete(PipelineStage).where(PipelineStage.name.not_in([s.name for s in PIPELINE])))
            for position, stage in enumerate(PIPELINE, 1):
                session.merge(
                    PipelineStage(
                        name=stage.name,
                        position=position,
                        waiting_status=stage.waiting_status,
                        running_status=stage.running_status,
                        title=stage.title,
                    )
                )
    finally:
        engine.dispose()


def downgrade_database(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
