"""Request bodies at the edge: size (declared or streamed), and JSON Python accepts but must not."""

from __future__ import annotations

from collections.abc import Iterator

from tests.api.conftest import Api

JSON = {"Content-Type": "application/json"}
PREFIX = b'{"audio_url": "https://calls.example.com/a.wav", "language": "hi-IN", '


def post(api: Api, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    with api.client() as client:
        response = client.post("/transcription", content=body, headers=headers or JSON)
    return response.status_code, response.json()


def test_nan_and_infinity_are_refused_not_turned_into_null(api_only: Api) -> None:
    for token in (b"NaN", b"Infinity", b"-Infinity"):
        status, body = post(api_only, PREFIX + b'"metadata": {"score": ' + token + b"}}")
        assert status == 422 and body["error"]["code"] == "invalid_json", token
    # The same letters inside a string are ordinary text.
    status, body = post(api_only, PREFIX + b'"metadata": {"note": "NaN Infinity"}}')
    assert status == 201 and body["metadata"] == {"note": "NaN Infinity"}


def test_lone_surrogates_are_refused_and_real_pairs_kept(api_only: Api) -> None:
    for where in (b'"metadata": {"x": "\\ud800"}}', b'"metadata": {"\\udfff": 1}}'):
        status, body = post(api_only, PREFIX + where)
        assert status == 422 and body["error"]["code"] == "invalid_json"
    status, body = post(
        api_only, b'{"audio_url": "https://a.example.com/a", "language": "\\udc00"}'
    )
    assert status == 422  # would otherwise crash while echoing the language in the error
    status, body = post(api_only, PREFIX + b'"metadata": {"mood": "\\ud83d\\ude00 ok"}}')
    assert status == 201 and body["metadata"] == {"mood": "\U0001f600 ok"}


def test_a_streamed_body_over_the_limit_is_413(api_only: Api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536  # 2.5 MB with no Content-Length (chunked)

    with api_only.client() as client:
        response = client.post("/transcription", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_parse_failures_are_4xx(api_only: Api) -> None:
    deep = PREFIX + b'"metadata": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    assert post(api_only, deep)[0] == 400
    assert post(api_only, PREFIX.replace(b"a.wav", b"\xff\xfe.wav") + b'"x": 1}')[0] == 400
    assert post(api_only, b"audio_url=x", {"Content-Type": "text/plain"})[0] == 422
    status, body = post(api_only, b'{"audio_url": ')
    assert status == 422
    assert body["error"]["message"] == "the body is not valid JSON: Expecting value at character 14"
    status, body = post(api_only, PREFIX.replace(b"https", b"ftp") + b'"num_speakers": 2}')
    assert (
        body["error"]["message"] == "audio_url: the audio URL must start with http:// or https://"
    )
