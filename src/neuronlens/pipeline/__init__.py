"""The speech pipeline: fetch → decode → VAD → ASR (→ diarization → roles), one module per stage."""
