"""The HTTP API (FastAPI): thin routes over `models`; OpenAPI docs at /docs."""
