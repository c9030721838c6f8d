#!/usr/bin/env python3
"""A target that answers every HTTP request after a fixed delay, for a bench whose kernel has no netem.

    delayed-http.py ADDRESS PORT DELAY_MS

Each connection: read one request head (up to 16 KiB, 10 s), wait DELAY_MS, answer 200 "ok" and close. A probe
against it holds its slot for about DELAY_MS, as one against a target an RTT away holds it for the connect.
Requests that are too long, too slow or malformed are closed without an answer.
"""
import asyncio
import sys

HEAD_LIMIT = 16 * 1024
REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


async def serve(reader, writer, delay):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        await asyncio.sleep(delay)
        writer.write(REPLY)
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(address, port, delay):
    server = await asyncio.start_server(lambda r, w: serve(r, w, delay), address, port, limit=HEAD_LIMIT, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4 or not sys.argv[2].isdigit() or not sys.argv[3].isdigit():
        sys.exit("usage: delayed-http.py ADDRESS PORT DELAY_MS")
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000))
