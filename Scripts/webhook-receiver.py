#!/usr/bin/env python3
"""A webhook receiver for benchmarks and trials, on loopback.

Checks every delivery's signature (Webhook-Signature: sha256=HMAC-SHA256 of
"<Webhook-Timestamp>.<body>" under the secret), answers 204 (HTTP/1.1, the
connection kept open), and once it has seen COUNT distinct event ids prints
how long they took from the first one and the rate, then exits (exit 1 if
any signature was wrong). HTTP is parsed by hand on asyncio streams: the
standard library's http.server costs more per request than the sender.

    Scripts/webhook-receiver.py PORT SECRET COUNT
"""
import asyncio
import hashlib
import hmac
import sys
import time

port, secret, expected = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
seen = set()
state = {"first": None, "deliveries": 0, "bad": 0}
done = asyncio.Event()


async def connection(reader, writer):
    try:
        while not done.is_set():
            head = await reader.readuntil(b"\r\n\r\n")
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
            if state["first"] is None:
                state["first"] = time.monotonic()
            mac = hmac.new(secret, headers.get(b"webhook-timestamp", b"") + b"." + body, hashlib.sha256).hexdigest()
            if headers.get(b"webhook-signature", b"").decode() != "sha256=" + mac:
                state["bad"] += 1
            state["deliveries"] += 1
            seen.add(headers.get(b"webhook-id"))
            writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            if len(seen) >= expected:
                elapsed = time.monotonic() - state["first"]
                print(f"{len(seen)} events ({state['deliveries']} deliveries, {state['bad']} bad signatures) "
                      f"in {elapsed:.2f} s: {len(seen) / elapsed:,.0f} events/s", flush=True)
                done.set()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(connection, "127.0.0.1", port)
    async with server:
        await done.wait()
    sys.exit(1 if state["bad"] else 0)


asyncio.run(main())
