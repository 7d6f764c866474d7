"""One root exception; each subclass carries a stable ``code`` that reaches ``error.code``."""

from __future__ import annotations


class NeuronLensError(Exception):
    """Root of every error NeuronLens raises on purpose."""

    code = "processing_error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


# --- job failures (end a job as ``failed`` with this code) -------------------------------


class JobFailure(NeuronLensError):
    """The recording could not be processed; the job ends ``failed``."""


class AudioFetchFailed(JobFailure):
    """The audio URL could not be downloaded (network, HTTP status, timeout)."""

    code = "audio_fetch_failed"


class AudioURLForbidden(AudioFetchFailed):
    """The audio URL points at an address NeuronLens refuses to contact (SSRF protection)."""

    code = "audio_url_forbidden"


class AudioTooLarge(AudioFetchFailed):
    """The download exceeded the configured maximum size."""

    code = "audio_too_large"


class EmptyAudio(JobFailure):
    """The file is empty (zero bytes)."""

    code = "empty_audio"


class UnsupportedAudioFormat(JobFailure):
    """The file is not audio at all (an HTML page, a PDF, ...)."""

    code = "unsupported_audio_format"


class CorruptAudio(JobFailure):
    """The file looks like audio but is truncated or damaged beyond decoding."""

    code = "corrupt_audio"


class AudioTooLong(JobFailure):
    """The recording is longer than the configured maximum duration."""

    code = "audio_too_long"


class NoSpeechDetected(JobFailure):
    """The recording decodes but contains no speech (silence, tone, noise)."""

    code = "no_speech_detected"


class ProcessingError(JobFailure):
    """An unexpected failure inside the pipeline."""

    code = "processing_error"


# --- model problems ----------------------------------------------------------------------


class ModelUnavailable(NeuronLensError):
    """A speech model is missing, corrupt or cannot be loaded."""

    code = "model_unavailable"


# --- API errors (become a 4xx response) ---------------------------------------------------


class APIError(NeuronLensError):
    """An error answered directly to an API client."""

    http_status = 400


class Unauthorized(APIError):
    code = "unauthorized"
    http_status = 401


class NotFound(APIError):
    code = "not_found"
    http_status = 404


class ValidationFailed(APIError):
    code = "validation_error"
    http_status = 422


class Conflict(APIError):
    code = "conflict"
    http_status = 409


class ServiceUnavailable(APIError):
    """A dependency (queue broker, database) is briefly unreachable; the client should retry."""

    code = "service_unavailable"
    http_status = 503


class QueueUnavailable(ServiceUnavailable):
    """The job queue's broker cannot take the job now; nothing was accepted."""

    code = "queue_unavailable"
