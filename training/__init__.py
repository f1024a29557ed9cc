"""Training, evaluation and the synthetic corpus for the project's default Danish contract NER model."""

LABEL_TYPES: tuple[str, ...] = (
    "EMPLOYER",
    "EMPLOYEE",
    "JOB_TITLE",
    "WORKPLACE",
    "START_DATE",
    "END_DATE",
    "WORKING_HOURS",
    "SALARY",
    "PENSION",
    "NOTICE_PERIOD",
    "PROBATION_PERIOD",
)

# "O" first, then B-/I- per type in schema order: the order the model's config.id2label uses.
BIO_LABELS: tuple[str, ...] = ("O", *(f"{p}-{t}" for t in LABEL_TYPES for p in ("B", "I")))
