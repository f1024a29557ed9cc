"""Celery workers: the `extract` stage (bytes -> text -> token windows, CPU) and the `ner` stage
(windows -> entities, GPU-bound), each a thin task over plain functions."""
