"""The `contract-ner` command line: run everything on one machine, ingest, extract in-process, info."""
