"""The REST API (FastAPI). Routes translate HTTP to service calls and back; nothing more."""
