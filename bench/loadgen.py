"""A small HTTP/1.1 load generator on loopback (asyncio, raw sockets, keep-alive).

Two modes: closed loop (``concurrency`` connections sending back to back, for the maximum
sustained rate) and open loop (requests scheduled at a fixed rate; latency is measured from
the scheduled send time, so a stalled server cannot hide its queueing)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

BodyFactory = Callable[[int], bytes]
#: A fixed path, or one per request (e.g. a survey link's one-time token in the path).
PathSpec = str | Callable[[int], str]
FORM = "application/x-www-form-urlencoded"


@dataclass
class LoadResult:
    sent: int
    ok: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


@contextmanager
def _without_gc_pauses() -> Iterator[None]:
    """The generator's own garbage collector off while it measures: a full collection among
    thousands of live tasks paused it for ~160 ms, which the requests waiting meanwhile
    counted as the server's latency."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status


def _head(
    host: str,
    port: int,
    path: str,
    token: str | None,
    method: str = "POST",
    content_type: str = "application/json",
) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}"
        f"Content-Type: {content_type}\r\nContent-Length: "
    ).encode()


def _heads(
    host: str, port: int, path: PathSpec, token: str | None, method: str, content_type: str
) -> Callable[[int], bytes]:
    if callable(path):
        return lambda i: _head(host, port, path(i), token, method, content_type)
    fixed = _head(host, port, path, token, method, content_type)
    return lambda _i: fixed


async def closed_loop(
    host: str,
    port: int,
    path: PathSpec,
    body: BodyFactory,
    *,
    concurrency: int,
    seconds: float,
    token: str | None = None,
    start: int = 0,
    method: str = "POST",
    content_type: str = "application/json",
) -> LoadResult:
    head = _heads(host, port, path, token, method, content_type)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(start, start + 10**9))
    deadline = time.perf_counter() + seconds
    errors = 0

    async def worker() -> None:
        nonlocal errors
        conn = _Conn(host, port)
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            i = next(counter)
            try:
                status = await conn.request(head(i), body(i))
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors += 1
                conn = _Conn(host, port)
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    with _without_gc_pauses():
        t_start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t_start
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
    return LoadResult(
        len(latencies) + errors, ok, errors + len(latencies) - ok, elapsed, latencies, statuses
    )


async def open_loop(
    host: str,
    port: int,
    path: PathSpec,
    body: BodyFactory,
    *,
    rate: float,
    seconds: float,
    token: str | None = None,
    connections: int = 64,
    start: int = 0,
    content_type: str = "application/json",
) -> LoadResult:
    head = _heads(host, port, path, token, "POST", content_type)
    pool: asyncio.Queue[_Conn] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(_Conn(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    total = int(rate * seconds)

    async def one(i: int, scheduled: float) -> None:
        nonlocal errors
        conn = await pool.get()
        try:
            status = await conn.request(head(start + i), body(start + i))
            latencies.append((time.perf_counter() - scheduled) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            pool.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors += 1
            pool.put_nowait(_Conn(host, port))

    # Each request is started at its time rather than all created up front: creating
    # thousands of tasks at once would make the first requests late by the generator's own
    # set-up, which would then be counted as the server's latency.
    tasks = []
    with _without_gc_pauses():
        t_start = time.perf_counter()
        for i in range(total):
            scheduled = t_start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t_start
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
    return LoadResult(total, ok, total - ok, elapsed, latencies, statuses)
