"""A small client for the contract-ner HTTP API (see client/README.md)."""

from contract_ner_client.client import (
    BATCH_FILTERS,
    DOCUMENT_FILTERS,
    FINAL_STATUSES,
    OPERATIONS,
    ApiError,
    ContractNerClient,
    verify_webhook,
)

__all__ = [
    "BATCH_FILTERS",
    "DOCUMENT_FILTERS",
    "FINAL_STATUSES",
    "OPERATIONS",
    "ApiError",
    "ContractNerClient",
    "verify_webhook",
]
