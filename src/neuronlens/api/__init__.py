"""The HTTP API (FastAPI): thin routes over the repository and the queue."""
