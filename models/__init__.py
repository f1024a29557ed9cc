"""Shared core of contract-ner: settings, the SQLAlchemy schema, sessions, document intake and
publishing to the broker. Both `api` and `worker` import from here; neither imports the other."""
