"""The reader's HTTP client against a local fake chat-completions endpoint (real HTTP)."""

from __future__ import annotations

import socket

from bot.adapters.reader import ReaderClient, ReaderSettings
from bot.core.reader import ReaderQuestion, Verdict
from tests.fakes.reader_api import FakeReaderApi, relevant_unless


def question(title: str, text: str = "Details follow.") -> ReaderQuestion:
    return ReaderQuestion(
        watchlist="gaza",
        regions=("Gaza",),
        themes=("airstrike", "ceasefire"),
        scope="The Gaza Strip, not the West Bank.",
        title=title,
        text=text,
        matched=("Gaza", "airstrike"),
    )


def settings(api: FakeReaderApi, **kw: object) -> ReaderSettings:
    return ReaderSettings(url=api.url, model="desk-reader", **kw)  # type: ignore[arg-type]


async def test_asks_the_chat_endpoint_and_reads_each_verdict(reader_api: FakeReaderApi) -> None:
    reader_api.rule = relevant_unless("calls for")
    async with ReaderClient(settings(reader_api, api_key="sk-test-123456")) as client:
        answers = await client.ask_all(
            [question("Airstrike kills 12 in Rafah, Gaza"), question("Minister calls for Gaza ceasefire")]
        )
    assert [a.verdict for a in answers] == [Verdict.RELEVANT, Verdict.NOT_RELEVANT]
    assert answers[1].reason == "a statement abroad, not an event in the region"
    body = reader_api.requests[0]
    assert body["model"] == "desk-reader" and body["temperature"] == 0
    assert body["messages"][0]["role"] == "system"
    assert "The Gaza Strip, not the West Bank." in body["messages"][1]["content"]
    assert reader_api.headers[0]["Authorization"] == "Bearer sk-test-123456"


async def test_no_key_sends_no_authorization_header(reader_api: FakeReaderApi) -> None:
    async with ReaderClient(settings(reader_api)) as client:
        await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
    assert "Authorization" not in reader_api.headers[0]


async def test_a_definite_answer_is_remembered_so_a_retried_round_asks_nothing(
    reader_api: FakeReaderApi,
) -> None:
    async with ReaderClient(settings(reader_api)) as client:
        first = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
        again = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
    assert first == again and len(reader_api.requests) == 1


async def test_the_same_question_twice_in_a_round_is_asked_once(reader_api: FakeReaderApi) -> None:
    async with ReaderClient(settings(reader_api)) as client:
        answers = await client.ask_all(
            [question("Strike on Gaza"), question("Other"), question("Strike on Gaza")]
        )
    assert answers[0] == answers[2] and len(reader_api.requests) == 2


async def test_a_refused_key_is_unknown_with_the_reason_and_the_rest_are_not_asked(
    reader_api: FakeReaderApi,
) -> None:
    reader_api.fail_next(100, status=401, body=b'{"error": "invalid api key"}')
    async with ReaderClient(settings(reader_api, max_concurrency=1)) as client:
        answers = await client.ask_all([question(f"Strike number {i} on Gaza") for i in range(5)])
    assert all(a.verdict is Verdict.UNKNOWN for a in answers)
    assert answers[0].reason == "the endpoint refused the API key (HTTP 401)"
    assert answers[4].reason.startswith("not asked: the endpoint refused the API key")
    assert len(reader_api.requests) == 1  # a dead endpoint costs one request per round, not one per match


async def test_a_server_error_is_unknown_and_is_not_remembered(reader_api: FakeReaderApi) -> None:
    reader_api.fail_next(1, status=503)
    async with ReaderClient(settings(reader_api)) as client:
        failed = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
        later = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
    assert failed.verdict is Verdict.UNKNOWN and failed.reason == "the endpoint answered HTTP 503"
    assert later.verdict is Verdict.RELEVANT


async def test_a_body_that_is_not_a_chat_completion_is_unknown(reader_api: FakeReaderApi) -> None:
    reader_api.fail_next(1, status=200, body=b'{"result": "yes"}')
    async with ReaderClient(settings(reader_api)) as client:
        answer = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
    assert answer.verdict is Verdict.UNKNOWN
    assert answer.reason == "the reply is not a chat completion (KeyError)"


async def test_a_reply_that_is_not_a_verdict_is_unknown_and_asked_again_next_time(
    reader_api: FakeReaderApi,
) -> None:
    reader_api.rule = lambda user: "I cannot help with that."
    async with ReaderClient(settings(reader_api)) as client:
        first = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
        await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
    assert first.verdict is Verdict.UNKNOWN and "not a verdict" in first.reason
    assert len(reader_api.requests) == 2


async def test_an_endpoint_that_never_answers_times_out(reader_api: FakeReaderApi) -> None:
    reader_api.hold_answers()
    async with ReaderClient(settings(reader_api, timeout=0.2)) as client:
        answers = await client.ask_all([question("Strike one on Gaza"), question("Strike two on Gaza")])
    assert answers[0].reason == "no answer within 0.2 s"
    assert all(a.verdict is Verdict.UNKNOWN for a in answers)


async def test_a_dead_endpoint_is_unknown_with_the_reason() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with ReaderClient(ReaderSettings(url=f"http://127.0.0.1:{port}/v1", model="m")) as client:
        answer = await client.ask(question("Airstrike kills 12 in Rafah, Gaza"))
    assert answer.verdict is Verdict.UNKNOWN and answer.reason.startswith("cannot reach the endpoint")


def test_settings_repr_never_shows_the_key() -> None:
    shown = repr(ReaderSettings(url="http://h/v1", model="m", api_key="sk-secret-value"))
    assert "sk-secret-value" not in shown and "api_key=set" in shown
