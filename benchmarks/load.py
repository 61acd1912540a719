"""A lean HTTP/1.1 load generator: ``clients`` keep-alive connections on one asyncio loop
(uvloop when installed), requests pre-encoded, so the client spends microseconds per request
and the server's throughput is what is measured. Runs in the worker process, not the
server's."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from typing import Any

_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now, for a server the benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request_bytes(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body


async def _client(
    port: int, payloads: list[bytes], samples: list[int], failures: list[bytes]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    clock = time.perf_counter_ns
    try:
        for payload in payloads:
            started = clock()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            match = _LENGTH.search(head)
            body = await reader.readexactly(int(match.group(1))) if match else b""
            samples.append(clock() - started)
            if not head.startswith(b"HTTP/1.1 200") or b'"errors"' in body:
                failures.append(head[:40] + body[:200])
    finally:
        writer.close()


def under_load(port: int, payloads: list[bytes], clients: int) -> dict[str, Any]:
    """Every payload sent once, spread over ``clients`` connections asking at once."""
    shares = [payloads[i::clients] for i in range(clients)]
    samples: list[list[int]] = [[] for _ in range(clients)]
    failures: list[bytes] = []

    async def everyone() -> float:
        started = time.perf_counter()
        await asyncio.gather(
            *(_client(port, shares[k], samples[k], failures) for k in range(clients))
        )
        return time.perf_counter() - started

    try:
        import uvloop

        wall = uvloop.run(everyone())
    except ImportError:
        wall = asyncio.run(everyone())
    every = sorted(x for part in samples for x in part)
    return {
        "clients": clients,
        "requests": len(every),
        "seconds": wall,
        "requests_per_second": len(every) / wall,
        "samples_ns": every,
        "failures": len(failures),
        "first_failure": failures[0].decode("utf-8", "replace") if failures else None,
    }
