"""`contract-ner`: the command line over the same functions the API and workers use."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cli.processes import DEFAULT_CPU_QUEUES, SERVICE_QUEUES, checked_queues
from models.batches import close_batch, open_batch
from models.client_input import parse_metadata
from models.db import session_scope
from models.intake import RejectedUpload, submit_document
from models.lanes import LANES, Lane
from models.migrate import upgrade_database
from models.schema import Document, Entity
from models.settings import get_settings
from models.stages import DOCUMENT_STATUSES, DONE, FAILED, FINAL_STATUSES, PIPELINE, STAGES
from models.tenancy import DEFAULT_TENANT, issue_api_key, list_api_keys, revoke_api_key, tenant_named

app = typer.Typer(help="Turn Danish contracts into queryable entities.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: each authenticates as one tenant.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
models_app = typer.Typer(help="Which model the ner workers load: promote, roll back, history.", no_args_is_help=True)
app.add_typer(models_app, name="models")
console = Console(stderr=True)
VALUE_FIELDS = ("value_date", "value_number", "value_unit", "value_period")


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise typer.BadParameter(f"{path} does not exist")
    return found


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest Alembic revision."""
    settings = get_settings()
    upgrade_database(settings.resolved_database_url)
    console.print("[green]database is at the newest revision[/green]")


@app.command()
def info(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False) -> None:
    """The model, its labels and the device the ner worker uses (the promoted model, else the configured)."""
    from transformers import AutoConfig

    from models.model_promotions import worker_model
    from models.results_key import DecodingConfiguration, weights_fingerprint

    settings = get_settings()
    model = worker_model(settings)
    config = AutoConfig.from_pretrained(model)
    labels = [config.id2label[i] for i in range(len(config.id2label))]
    details = {
        "model": str(model.resolve()),
        "configured_model": str(Path(settings.model).resolve()),
        "model_type": config.model_type,
        "labels": labels,
        "entity_types": sorted({label.split("-", 1)[-1] for label in labels if label != "O"}),
        "device": settings.device,
        "max_length": settings.max_length,
        "stride": settings.stride,
        "embedded": settings.embedded,
        # The results key's model and decoding parts (models.results_key): what `backfill` compares.
        "weights_sha256": weights_fingerprint(model),
        "decoding_sha256": DecodingConfiguration.from_settings(settings).sha256,
    }
    if as_json:
        typer.echo(json.dumps(details, indent=2))
        return
    for key, value in details.items():
        typer.echo(f"{key}: {value}")


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders")],
    output_format: Annotated[str, typer.Option("--format", help="jsonl or table")] = "jsonl",
    values: Annotated[bool, typer.Option("--values", help="Each entity's normalised value")] = False,
    card: Annotated[bool, typer.Option("--card", help="Each document's contract card")] = False,
    jobs: Annotated[
        int, typer.Option(min=1, help="Files parsed at once, each PDF/DOCX in its own limited process")
    ] = min(4, os.cpu_count() or 1),
) -> None:
    """Extract entities in-process, no queue or database: the model as the settings configure it, files
    parsed in parallel and batched through the model together, output in input order. A file that cannot
    be read gives an error line, the rest go on, and the exit status is 1."""
    from cli.folder_extraction import extract_files
    from worker.inference import TokenClassifier

    if output_format not in ("jsonl", "table"):
        raise typer.BadParameter("--format must be jsonl or table")
    files = _files(paths)
    if not files:
        console.print("no files to extract")
        raise typer.Exit(1)
    settings = get_settings()
    classifier = TokenClassifier.from_settings(settings)
    failed = 0
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        parsed = progress.add_task("parsed", total=len(files))
        done = progress.add_task("extracted", total=len(files))
        results = extract_files(
            files,
            classifier,
            jobs=jobs,
            documents_per_batch=settings.ner_flush_every,
            batch_size=settings.ner_batch_size,
            on_parsed=lambda: progress.advance(parsed),
        )
        for result in results:
            failed += result.error is not None
            record = result.as_record(values=values, card=card)
            if output_format == "jsonl":
                typer.echo(json.dumps(record, ensure_ascii=False))
            else:
                _print_entity_table(record, values)
            progress.advance(done)
    if failed:
        console.print(f"[red]{failed} of {len(files)} files could not be read[/red]")
        raise typer.Exit(1)


def _print_entity_table(record: dict[str, Any], values: bool) -> None:
    out = Console()
    source = record["source"]
    if "error" in record:
        out.print(f"[red]{source}: {record['error']}[/red]")
        return
    table = Table(title=source, title_justify="left")
    for column in ("label", "text", "page", "score", *(["value"] if values else [])):
        table.add_column(column)
    for entity in record["entities"]:
        value = " ".join(str(entity[k]) for k in VALUE_FIELDS if entity.get(k) is not None)
        row = [entity["label"], entity["text"], str(entity["page"]), f"{entity['score']:.2f}"]
        table.add_row(*row, *([value] if values else []))
    out.print(table)
    if "card" in record:
        card = Table(title=f"{source}: contract card", title_justify="left")
        card.add_column("field")
        card.add_column("value")
        card.add_column("confidence", justify="right")
        for field, value in record["card"].items():
            if field != "confidence":
                confidence = record["card"]["confidence"].get(field)
                shown = " ".join(value) if isinstance(value, list) else "" if value is None else str(value)
                card.add_row(field, shown, f"{confidence:.2f}" if confidence is not None else "")
        out.print(card)


def _tenant_id(name: str) -> uuid.UUID:
    """An existing tenant's id (the default one is made on first use): a typo must not start a new tenant."""
    with session_scope() as session:
        tenant = tenant_named(session, name, create=name == DEFAULT_TENANT)
        if tenant is None:
            raise typer.BadParameter(f"no tenant {name!r}: `contract-ner keys create --tenant {name}` makes it")
        return tenant.id


# What an --external-id pattern may name, from each file's path.
EXTERNAL_ID_FIELDS = ("stem", "name", "parent")


def external_id_for(pattern: str | None, path: Path) -> str | None:
    """The external id of one file: the pattern with {stem} (name without suffix), {name} and {parent}
    (its folder's name) filled in, or the pattern itself when it names none of them."""
    if pattern is None:
        return None
    try:
        value = pattern.format(stem=path.stem, name=path.name, parent=path.parent.name)
    except (KeyError, IndexError, ValueError) as exc:
        fields = ", ".join("{" + f + "}" for f in EXTERNAL_ID_FIELDS)
        raise typer.BadParameter(f"--external-id {pattern!r}: only {fields} can be filled in ({exc})") from exc
    if not value or len(value) > 200 or "\x00" in value:
        raise typer.BadParameter(f"--external-id gives {value!r} for {path}: 1 to 200 characters without NUL")
    return value


def _submit(
    files: list[Path],
    tenant_id: uuid.UUID,
    external_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    batch_id: uuid.UUID | None = None,
    lane: Lane | None = None,
) -> list[tuple[Path, uuid.UUID | None, str]]:
    submitted: list[tuple[Path, uuid.UUID | None, str]] = []
    with Progress(
        TextColumn("uploading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("upload", total=len(files))
        for path in files:
            try:
                # The job is published when this commits (models.job_lifecycle.queue_stage).
                with session_scope() as session:
                    submission = submit_document(
                        session,
                        path.read_bytes(),
                        filename=path.name,
                        external_id=external_id_for(external_id, path),
                        metadata=metadata,
                        batch_id=batch_id,
                        tenant_id=tenant_id,
                        lane=lane,
                    )
                    document_id = submission.document.id
                    status = submission.document.status
                    if not submission.created:
                        status = f"duplicate of {document_id}"
                        if submission.linked_external_id:
                            status += f", external id {submission.linked_external_id} linked"
                submitted.append((path, document_id, status))
            except RejectedUpload as exc:
                submitted.append((path, None, f"rejected: {exc.code}: {exc.message}"))
            progress.advance(task)
    return submitted


def _wait(document_ids: list[uuid.UUID], timeout_s: float) -> dict[uuid.UUID, Document]:
    deadline = time.monotonic() + timeout_s
    documents: dict[uuid.UUID, Document] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("processing", total=len(document_ids))
        while True:
            with session_scope() as session:
                rows = session.scalars(
                    select(Document).where(Document.id.in_(document_ids)).options(selectinload(Document.jobs))
                ).all()
                documents = {d.id: d for d in rows}
            states = Counter(d.status for d in documents.values())
            finished = sum(states[s] for s in FINAL_STATUSES)
            # Documents per status in pipeline order; idle ones are left out to keep the bar wide.
            stages = [f"{s} {states[s]}" for s in DOCUMENT_STATUSES if s not in FINAL_STATUSES and states[s]]
            outcome = f"[green]done {states[DONE]}[/] [red]failed {states[FAILED]}[/]"
            progress.update(task, completed=finished, description=" · ".join([*stages, outcome]))
            if finished == len(document_ids) or time.monotonic() > deadline:
                return documents
            time.sleep(0.5)


def _print_summary(
    submitted: list[tuple[Path, uuid.UUID | None, str]], documents: dict[uuid.UUID, Document], show_entities: bool
) -> None:
    out = Console()
    ids = [d for _, d, _ in submitted if d is not None]
    with session_scope() as session:
        entities = session.scalars(
            select(Entity).where(Entity.document_id.in_(ids)).order_by(Entity.document_id, Entity.start_char)
        ).all()
    per_doc: dict[uuid.UUID, list[Entity]] = {}
    for entity in entities:
        per_doc.setdefault(entity.document_id, []).append(entity)
    summary = Table(title="contract-ner: documents", title_justify="left")
    for column in ("file", "status", "entities", "labels", "seconds"):
        summary.add_column(column, overflow="fold")
    for path, document_id, status in submitted:
        document = documents.get(document_id) if document_id else None
        if document is None:
            summary.add_row(path.name, status, "", "", "")
            continue
        labels = Counter(e.label for e in per_doc.get(document.id, []))
        seconds = f"{(document.finished_at - document.created_at).total_seconds():.1f}" if document.finished_at else ""
        state = document.status + (f" ({document.error_code}: {document.error})" if document.error else "")
        summary.add_row(
            path.name,
            state,
            str(sum(labels.values())),
            ", ".join(f"{k}×{v}" for k, v in sorted(labels.items())),
            seconds,
        )
    out.print(summary)

    # Two small tables rather than more columns: the summary must stay readable at 80 columns.
    done = [d for d in documents.values() if d.status == DONE]
    if entities and done:
        by_label = Table(title="entities per label", title_justify="left")
        by_label.add_column("label")
        for column in ("entities", "documents", "of done"):
            by_label.add_column(column, justify="right")
        for label, count in sorted(Counter(e.label for e in entities).items()):
            found_in = len({e.document_id for e in entities if e.label == label})
            by_label.add_row(label, str(count), str(found_in), f"{found_in / len(done):.0%}")
        out.print(by_label)
    if done:
        # Each stage's waiting and running time from its job row, in pipeline order, then the total.
        intervals: dict[str, list[float]] = {}
        for document in done:
            jobs = {job.stage: job for job in document.jobs}
            for stage in PIPELINE:
                job = jobs.get(stage.name)
                if job is None:
                    continue
                for name, since, until in (
                    (f"waiting for {stage.name}", job.queued_at, job.started_at),
                    (stage.name, job.started_at, job.finished_at),
                ):
                    if since is not None and until is not None:
                        intervals.setdefault(name, []).append((until - since).total_seconds())
            if document.finished_at is not None:
                intervals.setdefault("total", []).append((document.finished_at - document.created_at).total_seconds())
        timing = Table(title=f"seconds per stage ({len(done)} done)", title_justify="left")
        timing.add_column("stage")
        for column in ("median", "max"):
            timing.add_column(column, justify="right")
        for name, durations in intervals.items():
            timing.add_row(name, f"{statistics.median(durations):.2f}", f"{max(durations):.2f}")
        out.print(timing)
    if not show_entities:
        return
    for path, document_id, _ in submitted:
        if document_id is None or not per_doc.get(document_id):
            continue
        table = Table(title=path.name, title_justify="left")
        for column in ("label", "text", "page", "score"):
            table.add_column(column)
        for entity in per_doc[document_id]:
            table.add_row(entity.label, entity.text, str(entity.page or ""), f"{entity.score:.2f}")
        out.print(table)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of contracts")],
    wait: Annotated[bool, typer.Option(help="Wait until every document is done or failed")] = False,
    with_workers: Annotated[bool, typer.Option(help="Start local workers while ingesting")] = False,
    show_entities: Annotated[bool, typer.Option(help="With --wait, print each document's entities")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most")] = 1800.0,
    tenant: Annotated[str, typer.Option(help="The tenant the documents belong to")] = DEFAULT_TENANT,
    lane: Annotated[
        Lane, typer.Option(help="Priority lane: a folder of contracts is bulk work unless told otherwise")
    ] = Lane.bulk,
    external_id: Annotated[
        str | None,
        typer.Option(
            help="The DMS id of each file: a value (one file only) or a pattern with {stem}, {name}, {parent}"
        ),
    ] = None,
    batch: Annotated[
        str | None, typer.Option(help="Upload into a new batch of this name, closed once every file is sent")
    ] = None,
    metadata: Annotated[str | None, typer.Option(help="A JSON object stored with every document")] = None,
) -> None:
    """Upload contracts into the queue; with --wait, follow them to the end and print a summary."""
    from cli.processes import local_workers

    settings = get_settings()
    meta = None
    if metadata is not None:
        try:
            meta = parse_metadata(metadata, settings.metadata_max_bytes, settings.metadata_max_depth)
        except ValueError as exc:
            raise typer.BadParameter(f"--metadata: {exc}") from exc
    if settings.embedded:
        upgrade_database(settings.resolved_database_url)
    files = _files(paths)
    if not files:
        console.print("no files to ingest")
        raise typer.Exit(1)
    if (
        external_id is not None
        and len(files) > 1
        and len({external_id_for(external_id, f) for f in files}) < len(files)
    ):
        # One DMS id for several files would make them versions of one document: surely not meant.
        raise typer.BadParameter(f"--external-id {external_id!r} gives several files the same id; use {{stem}}")
    tenant_id = _tenant_id(tenant)
    batch_id = None
    if batch is not None:
        with session_scope() as session:
            batch_id = open_batch(session, batch, tenant_id=tenant_id, lane=lane).id
        console.print(f"batch {batch_id} ({batch!r})")
    submitted = _submit(files, tenant_id, external_id, meta, batch_id, lane)
    if batch_id is not None:
        # Closed once every file is in: batch.done fires when the last of them ends.
        with session_scope() as session:
            close_batch(session, batch_id)
    ids = [d for _, d, _ in submitted if d is not None]
    if not wait:
        for path, document_id, status in submitted:
            typer.echo(f"{document_id or '-'}\t{status}\t{path}")
        return
    if with_workers:
        with local_workers(settings):
            documents = _wait(ids, timeout)
    else:
        documents = _wait(ids, timeout)
    _print_summary(submitted, documents, show_entities)
    if any(d.status not in FINAL_STATUSES for d in documents.values()):
        console.print("[red]timed out before every document finished[/red]")
        raise typer.Exit(2)


def _migrated_if_embedded() -> None:
    settings = get_settings()
    if settings.embedded:
        upgrade_database(settings.resolved_database_url)


@keys_app.command("create")
def create_key(
    tenant: Annotated[str, typer.Option(help="The tenant the key authenticates as (created if new)")],
    name: Annotated[str | None, typer.Option(help="What the key is for, shown by `keys list`")] = None,
    rate_limit_per_minute: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute (default: CONTRACT_NER_RATE_LIMIT_PER_MINUTE)")
    ] = None,
    lane: Annotated[
        Lane | None, typer.Option(help="The key's uploads' lane unless an upload or its batch names one")
    ] = None,
) -> None:
    """Create an API key and print it: the only time it is shown (only its hash is stored)."""
    _migrated_if_embedded()
    try:
        with session_scope() as session:
            issued = issue_api_key(session, tenant, name, rate_limit_per_minute, lane)
            key_id, prefix = issued.api_key.id, issued.api_key.prefix
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"key {key_id} ({prefix}…) for tenant {tenant!r}; store it now, it is not shown again:")
    typer.echo(issued.token)


@keys_app.command("list")
def list_keys() -> None:
    """Every key with its tenant, prefix, limit and when it was last used or revoked."""
    _migrated_if_embedded()
    table = Table(title="API keys", title_justify="left")
    for column in ("id", "tenant", "prefix", "name", "per minute", "created", "last used", "revoked"):
        table.add_column(column, no_wrap=column in ("id", "prefix"))
    with session_scope() as session:
        for key in list_api_keys(session):
            table.add_row(
                str(key.id),
                key.tenant.name,
                key.prefix + "…",
                key.name or "",
                str(key.rate_limit_per_minute or "default"),
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
            )
    Console().print(table)


@keys_app.command("revoke")
def revoke_key(id_or_prefix: Annotated[str, typer.Argument(help="The key's id, its shown prefix or the key")]) -> None:
    """Revoke a key: requests with it answer 401 from now on."""
    _migrated_if_embedded()
    try:
        with session_scope() as session:
            key = revoke_api_key(session, id_or_prefix)
            key_id, prefix = key.id, key.prefix
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"revoked key {key_id} ({prefix}…)")


@app.command()
def reprocess(
    document_ids: Annotated[list[str] | None, typer.Argument(help="Documents to replay")] = None,
    failed: Annotated[
        str | None, typer.Option("--failed", help="Replay every failed document with this reason code ('all': any)")
    ] = None,
) -> None:
    """Send documents through the pipeline again: given ids, or all failed ones of a reason code."""
    from models.reprocess import ReprocessRefused, reprocess_document, reprocess_failed

    if not document_ids and failed is None:
        raise typer.BadParameter("give document ids or --failed REASON")
    with session_scope() as session:
        jobs = []
        for raw in document_ids or []:
            try:
                document_id = uuid.UUID(raw)
            except ValueError as exc:
                raise typer.BadParameter(f"{raw!r} is not a document id (a UUID such as {uuid.UUID(int=0)})") from exc
            document = session.get(Document, document_id)
            if document is None:
                raise typer.BadParameter(f"no document {raw}")
            try:
                jobs.append(reprocess_document(session, document))
            except ReprocessRefused as exc:
                raise typer.BadParameter(f"{raw}: {exc}") from exc
        if failed is not None:
            jobs += reprocess_failed(session, None if failed == "all" else failed)
    # Published as the transaction above committed; the sweeper republishes any the broker missed.
    console.print(f"replaying {len(jobs)} documents")


@app.command()
def backfill(
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="The revision: a checkpoint directory, a model version id or a weights sha256 prefix "
            "(default: CONTRACT_NER_MODEL)",
        ),
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Statuses of documents to look at: done (default), failed")
    ] = None,
    created_from: Annotated[datetime | None, typer.Option(help="Documents created at or after this (UTC)")] = None,
    created_to: Annotated[datetime | None, typer.Option(help="Documents created before this (UTC)")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's documents")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many documents, oldest first")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the entity diff here as diff.csv and diff.json (needs --wait)")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only count and list the documents whose key would change")] = False,
    wait: Annotated[bool, typer.Option(help="Wait until every re-run document is done or failed")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most")] = 24 * 3600.0,
) -> None:
    """Re-run NER (the tokens are kept) for the documents whose results key changes under a model
    revision, in the bulk lane; human corrections stay. With --wait, report what changed."""
    from models.backfill import BackfillFilter, BackfillRefused, model_revision, stale_documents
    from models.model_promotions import worker_model
    from models.results_key import DecodingConfiguration, weights_fingerprint

    if report is not None and not wait:
        raise typer.BadParameter("--report compares the entities after the re-run: add --wait")
    _migrated_if_embedded()
    settings = get_settings()
    # The workers load the promoted model (models.model_promotions), else CONTRACT_NER_MODEL.
    serving = worker_model(settings)
    # A checkpoint directory brings its own calibration; a registered revision is decoded as configured.
    checkpoint = Path(model) if model is not None and Path(model).is_dir() else serving
    decoding = DecodingConfiguration.from_settings(settings, checkpoint)
    try:
        with session_scope() as session:
            revision = model_revision(session, model if model is not None else serving)
            where = BackfillFilter(
                statuses=tuple(status or (DONE,)),
                created_from=created_from,
                created_to=created_to,
                tenant_id=_tenant_id(tenant) if tenant is not None else None,
                limit=limit,
            )
            stale = [
                (d.id, d.created_at, d.model_id) for d in stale_documents(session, revision, decoding.sha256, where)
            ]
    except BackfillRefused as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(
        f"{len(stale)} documents whose results key changes under {revision.name} "
        f"(weights {revision.weights_sha256[:12]}, decoding {decoding.sha256[:12]})"
    )
    try:
        served = weights_fingerprint(serving)
    except FileNotFoundError:
        served = None
    if served != revision.weights_sha256:
        console.print(
            "[yellow]the ner workers run the promoted model (else CONTRACT_NER_MODEL), not this revision: the "
            "documents are re-run under "
            "the workers' model (start them with the new one first)[/]"
        )
    if dry_run:
        for document_id, created_at, model_id in stale[:20]:
            typer.echo(f"{document_id}\t{created_at:%Y-%m-%d %H:%M}\tmodel {model_id or '-'}")
        if len(stale) > 20:
            typer.echo(f"... and {len(stale) - 20} more")
        return
    started = datetime.now(UTC)
    before, refused = _queue_backfill([document_id for document_id, _, _ in stale], snapshot=wait)
    console.print(f"queued {len(before)} documents in the bulk lane" + (f"; {refused} were busy" if refused else ""))
    if not wait or not before:
        return
    documents = _wait(list(before), timeout)
    _report_backfill(before, documents, report, {
        "model": revision.name,
        "weights_sha256": revision.weights_sha256,
        "decoding_sha256": decoding.sha256,
        "decoding": dataclasses.asdict(decoding),
        "filters": {
            "status": list(where.statuses),
            "created_from": created_from,
            "created_to": created_to,
            "tenant": tenant,
            "limit": limit,
        },
        "started_at": started,
        "finished_at": datetime.now(UTC),
    })  # fmt: skip


BACKFILL_CHUNK = 500


def _queue_backfill(document_ids: list[uuid.UUID], snapshot: bool) -> tuple[dict[uuid.UUID, list[Any]], int]:
    """Queue the documents' ner stage in transactions of `BACKFILL_CHUNK` (each publishes its jobs as it
    commits), with `snapshot` reading their entities in the same transaction (kept in memory for the
    diff, so only when the command waits for it); a document that is no longer finished (a reprocess, an
    upload's run) is left alone. Returns {queued document: its entities, empty without `snapshot`} and
    how many were left alone."""
    from models.backfill import queue_backfill, snapshot_entities

    before: dict[uuid.UUID, list[Any]] = {}
    refused = 0
    with Progress(
        TextColumn("queueing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("queue", total=len(document_ids))
        for start in range(0, len(document_ids), BACKFILL_CHUNK):
            chunk = document_ids[start : start + BACKFILL_CHUNK]
            with session_scope() as session:
                documents = session.scalars(
                    select(Document)
                    .where(Document.id.in_(chunk), Document.status.in_(FINAL_STATUSES))
                    .order_by(Document.created_at, Document.id)
                    .with_for_update()
                ).all()
                refused += len(chunk) - len(documents)
                queued = [d.id for d in documents]
                before.update(snapshot_entities(session, queued) if snapshot else {key: [] for key in queued})
                queue_backfill(session, documents)
            progress.advance(task, len(chunk))
    return before, refused


def _report_backfill(
    before: dict[uuid.UUID, list[Any]], documents: dict[uuid.UUID, Document], report: Path | None, about: dict[str, Any]
) -> None:
    """Compare the finished documents' entities with their snapshots; print the counts per label and
    write the report when asked."""
    from models.backfill import entity_diff, snapshot_entities, write_report

    finished = [document_id for document_id, d in documents.items() if d.status in FINAL_STATUSES]
    unfinished = sorted(str(document_id) for document_id in before if document_id not in set(finished))
    with session_scope() as session:
        after = snapshot_entities(session, finished)
    diff = entity_diff({document_id: before[document_id] for document_id in finished}, after)
    table = Table(title=f"entity changes ({len(finished)} documents re-run)", title_justify="left")
    table.add_column("label")
    for column in ("added", "removed", "changed"):
        table.add_column(column, justify="right")
    for label, counts in diff.per_label().items():
        table.add_row(label, *(str(counts[kind]) for kind in ("added", "removed", "changed")))
    Console().print(table)
    totals = diff.totals()
    console.print(f"{totals['documents_changed']} of {totals['documents']} documents changed")
    if unfinished:
        console.print(f"[yellow]{len(unfinished)} documents had not finished: left out of the diff[/]")
    if report is not None:
        csv_path, json_path = write_report(report, diff, {**about, "unfinished": unfinished})
        console.print(f"report: {csv_path}, {json_path}")


@app.command()
def purge(
    older_than_days: Annotated[
        float | None, typer.Option(min=0, help="Documents finished longer ago (default: CONTRACT_NER_RETENTION_DAYS)")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only count the documents that would be purged")] = False,
) -> None:
    """Delete the file, text and tokens of documents finished long ago; their entities and cards stay."""
    from models.retention import purge_all, purgeable_count

    settings = get_settings()
    days = older_than_days if older_than_days is not None else settings.retention_days
    if days is None:
        raise typer.BadParameter("give --older-than-days or set CONTRACT_NER_RETENTION_DAYS")
    _migrated_if_embedded()
    if dry_run:
        with session_scope() as session:
            typer.echo(f"{purgeable_count(session, days)} documents finished over {days:g} days ago would be purged")
        return
    purged = purge_all(session_scope, days, settings.retention_batch_size)
    typer.echo(
        f"purged {purged.documents} documents finished before {purged.cutoff:%Y-%m-%d %H:%M} UTC "
        f"({purged.files} files, {purged.texts} texts, {purged.tokens} token sets); entities and cards kept"
    )


@app.command()
def worker(
    queues: Annotated[
        str,
        typer.Option(
            help=f"Comma-separated queues: {', '.join(STAGES)}, {', '.join(SERVICE_QUEUES)}; "
            "a solo-pool stage (one process that loads the model) runs alone"
        ),
    ] = ",".join(DEFAULT_CPU_QUEUES),
    concurrency: Annotated[int | None, typer.Option(help="Prefork stages: processes (default: CPU count)")] = None,
    lane: Annotated[
        list[Lane] | None,
        typer.Option(help="Consume only this lane's queues of the stages (repeatable; default: every lane)"),
    ] = None,
) -> None:
    """Run one Celery worker for the given stages (a solo stage such as ner: one per GPU)."""
    from cli.processes import worker_command

    try:
        stages = checked_queues([q.strip() for q in queues.split(",") if q.strip()])
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    from worker.chunking import require_checkpoint

    settings = get_settings()
    if set(stages) & set(STAGES):
        require_checkpoint(settings.model)
    command = worker_command(settings, stages, concurrency or os.cpu_count() or 1, lanes=lane or LANES)
    os.execv(sys.executable, command)


@app.command()
def beat() -> None:
    """Run Celery beat, which starts the job sweeper every `sweep_interval_s` (exactly one per deployment)."""
    from cli.processes import beat_command

    os.execv(sys.executable, beat_command(get_settings()))


@app.command()
def run(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    extract_concurrency: Annotated[int, typer.Option()] = 1,
) -> None:
    """API and both workers together on one machine (embedded SQLite default when no URLs are set)."""
    import uvicorn

    from cli.processes import local_workers

    settings = get_settings()
    upgrade_database(settings.resolved_database_url)
    with local_workers(settings, extract_concurrency):
        uvicorn.run("api.app:app", host=host, port=port, log_level=settings.log_level.lower())


@app.command(name="eval")
def evaluate(
    gold: Annotated[
        Path | None, typer.Argument(help="JSONL: {id, text, entities: [{label, text}]} (without --candidate)")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="Checkpoint directory (default: the configured model)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    raw: Annotated[bool, typer.Option(help="Score the raw word groups, without field decoding")] = False,
    candidate: Annotated[
        Path | None, typer.Option(help="Compare this checkpoint with --current on --data and say which is better")
    ] = None,
    current: Annotated[
        Path | None, typer.Option(help="The checkpoint to beat (default: the promoted model, else the configured)")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="An export-training file: scored on its held-back documents only")
    ] = None,
    whole: Annotated[
        bool, typer.Option(help="Score every document of --data (a dev set never trained on), not the held-back ones")
    ] = False,
) -> None:
    """Per-label precision/recall/F1 of the model beside the rule baseline on the same documents; with
    --candidate, the candidate beside the current model and a verdict: better when micro F1 rose and no
    label fell by more than 0.01 (exit status 0 for better, 2 for worse)."""
    from training.evaluation import evaluate as run_evaluation
    from training.evaluation import format_report

    settings = get_settings()
    # Scored the way the app runs the model: the classifier its settings configure, as the worker builds it.
    overrides: dict[str, Any] = {"field_decoding": settings.field_decoding and not raw}
    if candidate is not None:
        _compare(settings.model_copy(update=overrides), candidate, current, data, whole, as_json)
        return
    if gold is None:
        raise typer.BadParameter("give a gold file, or --candidate with --data")
    if model is not None:
        overrides["model"] = model
    report = run_evaluation(gold, settings.model_copy(update=overrides))
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else format_report(report))


def _compare(
    settings: Any, candidate: Path, current: Path | None, data: Path | None, whole: bool, as_json: bool
) -> None:
    import tempfile

    from models.model_promotions import worker_model
    from training.corrections import HELD_BACK_ONE_IN, held_back_slice
    from training.evaluation import compare_models, format_comparison

    if data is None:
        raise typer.BadParameter("--candidate needs --data (an export-training file or, with --whole, a dev set)")
    current = current if current is not None else worker_model(settings)
    with tempfile.TemporaryDirectory() as tmp:
        gold = data
        if not whole:
            gold = Path(tmp) / "held-back.jsonl"
            if not held_back_slice(data, gold):
                console.print(f"[red]{data} has no held-back document (one in {HELD_BACK_ONE_IN} by id hash)[/red]")
                raise typer.Exit(1)
        report = compare_models(gold, settings, candidate, current)
    report["gold"] = str(data) + ("" if whole else f" (held back: sha256(id) % {HELD_BACK_ONE_IN} == 0)")
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else format_comparison(report))
    if report["verdict"] != "better":
        raise typer.Exit(2)


@app.command(name="export-training")
def export_training(
    out: Annotated[Path, typer.Argument(help="JSONL file to write")],
    reviewed_only: Annotated[
        bool,
        typer.Option(
            "--reviewed-only/--touched",
            help="Only documents marked reviewed (default), or also those a reviewer corrected or confirmed in",
        ),
    ] = True,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's documents")] = None,
    accept_unconfirmed: Annotated[
        bool, typer.Option(help="Count the model entities a reviewer left alone on a reviewed document as right")
    ] = False,
) -> None:
    """Reviewed documents as training data: text, character spans and labels, one JSON line per document,
    in the format `training/` reads. Human and confirmed entities are the truth; rejected ones are gone."""
    from models.training_export import training_records

    _migrated_if_embedded()
    tenant_id = _tenant_id(tenant) if tenant is not None else None
    out.parent.mkdir(parents=True, exist_ok=True)
    documents = entities = 0
    with session_scope() as session, out.open("w", encoding="utf-8") as fh:
        for record in training_records(session, tenant_id, reviewed_only, accept_unconfirmed):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            documents += 1
            entities += len(record["entities"])
    console.print(f"{documents} documents, {entities} entities written to {out}")


@app.command(name="train")
def train(
    base: Annotated[Path, typer.Option(help="The checkpoint to fine-tune (e.g. the current model)")],
    corrections: Annotated[Path, typer.Option(help="An export-training file; its held-back documents are not used")],
    out: Annotated[Path, typer.Option(help="Directory of the new model revision")],
    synthetic: Annotated[
        int, typer.Option(min=0, help="Synthetic documents mixed in, so the model keeps what it knew")
    ] = 200,
    steps: Annotated[int, typer.Option(min=1)] = 300,
    lr: Annotated[float, typer.Option(help="Peak learning rate")] = 1e-4,
    seed: Annotated[int, typer.Option()] = 13,
    card_gold: Annotated[Path, typer.Option(help="Gold set the model card is scored on")] = Path(
        "training/dev/dev.jsonl"
    ),
) -> None:
    """Fine-tune BASE on the reviewed documents mixed with synthetic ones (training/train.py), and write the
    new model with its training_info.json (revision id) and MODEL_CARD.md."""
    from training import train as trainer
    from training.model_card import write_card

    if not (corrections.is_file()):
        raise typer.BadParameter(f"{corrections} does not exist")
    argv = [
        "--base", str(base), "--corrections", str(corrections), "--docs", str(synthetic), "--steps", str(steps),
        "--lr", str(lr), "--seed", str(seed), "--out", str(out), "--heldout-docs", str(min(synthetic, 100)),
    ]  # fmt: skip
    # The trainer's progress goes to stderr: stdout is the new revision id alone, for scripts.
    with contextlib.redirect_stdout(sys.stderr):
        status = trainer.main(argv)
    if status:
        raise typer.Exit(status)
    info = json.loads((out / "training_info.json").read_text(encoding="utf-8"))
    note = (
        f"Fine-tuned from `{base}` on {info['correction_documents']} reviewed documents of `{corrections}` "
        f"and {synthetic} synthetic ones (`contract-ner train`), revision {info['revision']}."
    )
    write_card(out, card_gold, out / "card-eval.json", [note], kept_from=base / "MODEL_CARD.md")
    typer.echo(info["revision"])


@models_app.command("list")
def list_models() -> None:
    """Every promotion and rollback, oldest first, and which model the workers load now."""
    from models.model_promotions import current_promotion, history

    _migrated_if_embedded()
    settings = get_settings()
    table = Table(title="Model promotions", title_justify="left")
    for column in ("id", "action", "revision", "model", "by", "at"):
        table.add_column(column)
    with session_scope() as session:
        for row in history(session):
            table.add_row(
                str(row.id),
                row.action,
                row.revision or "",
                row.model_path or f"(configured: {settings.model})",
                row.actor,
                f"{row.at:%Y-%m-%d %H:%M:%S}",
            )
        current = current_promotion(session)
        now = current.model_path if current is not None else f"{settings.model} (configured, nothing promoted)"
    Console().print(table)
    typer.echo(f"current: {now}")


def _actor() -> str:
    return os.environ.get("USER") or os.environ.get("LOGNAME") or "cli"


def _reload_workers() -> None:
    from worker.celery_app import app as celery_app

    replies = celery_app.control.broadcast("reload_model", reply=True, timeout=2.0)
    console.print(f"{len(replies)} workers will reload the model")


@models_app.command("promote")
def promote_model(
    model_dir: Annotated[Path, typer.Argument(help="The model revision's directory (from `contract-ner train`)")],
    by: Annotated[str | None, typer.Option(help="Who promotes it (default: $USER)")] = None,
    reload: Annotated[
        bool, typer.Option(help="Tell running workers to load it now (else: on their next start)")
    ] = False,
) -> None:
    """Make MODEL_DIR the model the ner workers load; recorded, undone by `models rollback`."""
    from models.model_promotions import PromotionRefused, promote

    _migrated_if_embedded()
    try:
        with session_scope() as session:
            row = promote(session, model_dir, by or _actor())
            path, revision = row.model_path, row.revision
    except PromotionRefused as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"promoted {path} (revision {revision})")
    if reload:
        _reload_workers()


@models_app.command("rollback")
def rollback_model(
    by: Annotated[str | None, typer.Option(help="Who rolls back (default: $USER)")] = None,
    reload: Annotated[bool, typer.Option(help="Tell running workers to load it now")] = False,
) -> None:
    """Undo the last promotion still in effect: the model current before it is current again."""
    from models.model_promotions import PromotionRefused, rollback

    _migrated_if_embedded()
    try:
        with session_scope() as session:
            row = rollback(session, by or _actor())
            path = row.model_path
    except PromotionRefused as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"rolled back; current: {path or f'{get_settings().model} (configured)'}")
    if reload:
        _reload_workers()


if __name__ == "__main__":
    app()
