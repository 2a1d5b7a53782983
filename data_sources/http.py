"""Shared HTTP plumbing for the source clients: timeouts, bounded retry, errors users can read.

Retry and backoff come from tenacity (see docs/decisions.md). Sleep and clock are injectable so
tests never wait for real. This module does not parse bodies or write snapshots.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

import httpx
import tenacity

import config
from transforms.jsonio import json_loads

RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A fetch failed for good. ``message`` is Swedish, written for the dashboard's users."""

    def __init__(self, source: str, url: str, message: str, *, status: int | None = None,
                 body: str | None = None):
        super().__init__(f"{source}: {message} ({url})")
        self.source = source
        self.url = url
        self.message = message
        self.status = status
        self.body = body  # the error response's text, when there was one


class SourceUnreachable(FetchError):
    """The source could not be reached at all (DNS, refused connection): skip its other calls."""


class SourceThrottled(FetchError):
    """The source kept answering 429 or not answering in time: skip its other calls."""


class InvalidData(FetchError):
    """A complete answer whose content is wrong (renamed field, unknown code, duplicate rows,
    a number where a code was expected, nothing where there was data): never published."""


class Clock:
    """Wall clock and sleep, replaceable in tests by a fake that only advances a counter."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait for real (the test suite forbids this; see tests/conftest.py)."""
        time.sleep(seconds)


@dataclass
class FakeClock(Clock):
    """A clock for tests: ``sleep`` advances ``t`` instantly and records each wait."""

    t: float = 0.0
    slept: list[float] = field(default_factory=list)

    def now(self) -> float:
        """The fake time."""
        return self.t

    def sleep(self, seconds: float) -> None:
        """Advance the fake time at once and record the wait."""
        self.slept.append(seconds)
        self.t += max(seconds, 0.0)


def retry_after_seconds(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` as seconds or HTTP date), else None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


@cache
def _ssl_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()  # reads SSL_CERT_FILE / SSL_CERT_DIR, else certifi


def ssl_context() -> ssl.SSLContext:
    """One TLS context per process for every session (loading the CA bundle took ~30 ms per
    client, four clients per refresh); a changed SSL_CERT_FILE or SSL_CERT_DIR gets its own."""
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


class BadBody(Exception):
    """A 200 response whose body is truncated or not of the documented shape (retried)."""


_MARKUP = re.compile(rb"\s*<")  # what bytes.lstrip() strips, then "<"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def json_body(response: httpx.Response) -> object:
    """The body parsed as JSON; BadBody with a specific Swedish reason when it is not.

    Tells an empty body, an HTML page (an error page from a proxy or the source's web server)
    and a truncated or otherwise broken JSON text apart.
    """
    content = response.content
    if not content or content.isspace():  # (no stripped copy of a big body)
        raise BadBody(f"tomt svar ({len(content)} byte) i stället för JSON")
    kind = response.headers.get("content-type", "").lower()
    if "html" in kind or _MARKUP.match(content):
        title = _TITLE.search(content[:20_000])
        named = f": «{title[1].decode('utf-8', 'replace').strip()[:80]}»" if title else ""
        raise BadBody(f"en HTML-sida i stället för JSON{named}")
    try:
        return json_loads(content)
    except UnicodeDecodeError as exc:
        raise BadBody("svaret är inte UTF-8-kodad JSON") from exc
    except json.JSONDecodeError as exc:
        raise BadBody(f"avbruten eller trasig JSON ({len(content)} byte, fel vid tecken "
                      f"{exc.pos}: {exc.msg})") from exc


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _RetryableStatus | BadBody | httpx.TimeoutException
                      | httpx.TransportError)


def _wait(base: float, cap: float) -> Callable[[tenacity.RetryCallState], float]:
    """Wait as the server says (Retry-After), else exponential backoff with jitter."""
    backoff = tenacity.wait_random_exponential(multiplier=base, max=cap)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableStatus):
            told = retry_after_seconds(exc.response)
            if told is not None:
                return min(told, 300.0)
        return backoff(state)

    return wait


def _swedish_reason(exc: BaseException, *, timeout: float, attempts: int, waited: float) -> str:
    tried = f"{attempts} försök" + (f" och {waited:.0f} s väntan" if waited >= 0.5 else "")
    if isinstance(exc, httpx.ConnectError):
        return "kunde inte ansluta (ingen nätverksförbindelse eller okänd adress)"
    if isinstance(exc, httpx.TimeoutException):
        seconds = f"{timeout:g}".replace(".", ",")
        return f"svarade inte inom {seconds} s (HTTP_TIMEOUT), {tried}"
    if isinstance(exc, BadBody):
        return f"gav ett felaktigt svar: {exc} ({tried})"
    if isinstance(exc, _RetryableStatus):
        code = exc.response.status_code
        if code == 429:
            told = exc.response.headers.get("Retry-After")
            asked = f"; servern bad oss vänta {told} s" if told else " (utan Retry-After)"
            return f"för många anrop (HTTP 429) – gav upp efter {tried}{asked}"
        return f"serverfel (HTTP {code}) – gav upp efter {tried}"
    return f"nätverksfel ({type(exc).__name__})"


@dataclass
class HttpSession:
    """One source's HTTP session: base URL, timeouts, bounded retry, injectable transport/clock."""

    source: str
    base_url: str
    transport: httpx.BaseTransport | None = None
    clock: Clock = field(default_factory=Clock)
    attempts: int = field(default_factory=config.http_attempts)
    timeout: float = field(default_factory=config.http_timeout)
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_wait: float = 120.0  # seconds of waiting between attempts, in all, per request
    headers: dict[str, str] = field(default_factory=dict)
    on_response: Callable[[httpx.Response], None] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.client = httpx.Client(
            transport=self.transport,
            verify=ssl_context() if self.transport is None else True,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"User-Agent": "arbetsmarknadslaget/0.1 (+open source dashboard)",
                     "Accept": "application/json", **self.headers},
            follow_redirects=True,
        )
        self.calls = 0

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path under the base URL (absolute URLs pass through)."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def request(self, method: str, path_or_url: str, *,
                validate: Callable[[httpx.Response], object] | None = None,
                before: Callable[[], None] | None = None, **kwargs) -> httpx.Response:
        """Send with retry on 429/5xx/timeouts/bad bodies; raise FetchError when it keeps failing.

        ``validate`` checks a 2xx body and raises BadBody when it is truncated or malformed;
        ``before`` runs ahead of every attempt (a rate limiter waits there).
        """
        url = self.url(path_or_url)

        def once() -> httpx.Response:
            if before is not None:
                before()
            self.calls += 1
            response = self.client.request(method, url, **kwargs)
            if self.on_response is not None:
                self.on_response(response)
            if response.status_code in RETRY_STATUS:
                raise _RetryableStatus(response)
            if validate is not None and response.status_code < 300:
                validate(response)
            return response

        attempts, max_wait = max(self.attempts, 1), self.max_wait

        def stop(state: tenacity.RetryCallState) -> bool:
            # bounded in attempts and in total waiting: a 429 storm asking for 600 s, or one
            # Retry-After after another, ends here instead of holding the refresh for an hour
            return (state.attempt_number >= attempts
                    or state.idle_for + state.upcoming_sleep > max_wait)

        retrying = tenacity.Retrying(
            stop=stop,
            wait=_wait(self.backoff_base, self.backoff_cap),
            retry=tenacity.retry_if_exception(_is_retryable),
            sleep=self.clock.sleep,
            reraise=True,
        )
        def reason(exc: BaseException) -> str:
            stats = retrying.statistics
            return _swedish_reason(exc, timeout=self.timeout,
                                   attempts=int(stats.get("attempt_number", 1)),
                                   waited=float(stats.get("idle_for", 0.0)))

        try:
            response = retrying(once)
        except httpx.ConnectError as exc:
            raise SourceUnreachable(self.source, url, reason(exc)) from exc
        except httpx.TimeoutException as exc:
            raise SourceThrottled(self.source, url, reason(exc)) from exc
        except _RetryableStatus as exc:
            status = exc.response.status_code
            kind = SourceThrottled if status == 429 else FetchError
            raise kind(self.source, url, reason(exc), status=status) from exc
        except (BadBody, httpx.TransportError) as exc:
            raise FetchError(self.source, url, reason(exc)) from exc
        if response.status_code >= 400:
            raise FetchError(self.source, url, f"svarade med fel (HTTP {response.status_code}): "
                             f"{response.text[:200]}", status=response.status_code,
                             body=response.text[:20_000])
        return response

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.client.close()

