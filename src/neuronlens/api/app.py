"""The FastAPI application: routes, error handlers, and the queue started in its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from neuronlens import __version__
from neuronlens.api.deps import Services
from neuronlens.api.errors import install_error_handlers
from neuronlens.api.limits import BodySizeLimit
from neuronlens.api.routes import health, metrics, scorecards, transcription, webhooks
from neuronlens.api.security import SecurityHeaders
from neuronlens.config import Settings
from neuronlens.dashboard import install_dashboard
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.embedded import EmbeddedQueue
from neuronlens.jobs.queue import ExternalWorkers, Queue
from neuronlens.pipeline.models import ModelRegistry

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    workers: bool = True,
    models: ModelRegistry | None = None,
) -> FastAPI:
    """The service; with ``workers`` the embedded queue runs inside this process."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = WorkerContext.from_settings(settings, models=models)
        queue: Queue
        if settings.queue == "celery":  # workers are Celery processes; this one publishes
            from neuronlens.jobs.celery_queue import CeleryQueue

            queue = CeleryQueue(ctx)
        else:
            queue = EmbeddedQueue(ctx) if workers else ExternalWorkers()
        app.state.services = Services(ctx=ctx, queue=queue)
        queue.start()
        try:
            yield
        finally:
            queue.stop()
            ctx.repository.engine.dispose()

    app = FastAPI(
        title="NeuronLens",
        version=__version__,
        summary="Call analytics for Indian contact centres: transcripts with speakers and times.",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=MAX_REQUEST_BYTES)
    app.add_middleware(SecurityHeaders)  # outermost: 413s get the headers too
    install_error_handlers(app)
    app.include_router(transcription.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(scorecards.router)
    app.include_router(webhooks.router)
    install_dashboard(app)  # HTML pages at /, /login, /calls, /qa, /settings; /static
    return app
