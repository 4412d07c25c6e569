#!/usr/bin/env python3
"""Slow clients against the query server, and how an ordinary client fares meanwhile.

Keeps COUNT connections open that each send the first line of a request and
then either nothing more (half of them) or one header byte a second (the
other half); one the server closes (408 or otherwise) is opened again at
once, as an attacker would. Meanwhile an ordinary client searches every
50 ms, each time on a new connection, and its latency is timed. Prints the
ordinary client's percentiles and failures (no answer within 2 s), and how
many slow connections the server ended.

  scripts/slow_clients.py --port 18096 --count 200 --seconds 20
"""
import argparse
import socket
import threading
import time

REQUEST_LINE = b"GET /v1/search?q=nike HTTP/1.1\r\n"


def open_slow(port, dribbling):
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.sendall(REQUEST_LINE + (b"X-Slow: " if dribbling else b""))
    connection.setblocking(False)
    return connection


def ended_by_server(connection):
    """True if the server answered (a 408) or closed the connection."""
    try:
        connection.recv(4096)  # an answer, or b"" when closed
        return True
    except BlockingIOError:
        return False  # still waiting for the rest of the request
    except OSError:
        return True


def keep_slow_clients(port, count, stop, ended):
    """Holds `count` slow connections until `stop` is set."""
    connections = []
    for i in range(count):
        try:
            connections.append([open_slow(port, i % 2 == 1), i % 2 == 1])
        except OSError:
            connections.append([None, i % 2 == 1])
    while not stop.is_set():
        for slot in connections:
            connection, dribbling = slot
            if connection is not None and ended_by_server(connection):
                ended[0] += 1
                connection.close()
                connection = None
            if connection is None:
                try:
                    connection = open_slow(port, dribbling)
                except OSError:
                    pass
            elif dribbling:
                try:
                    connection.send(b"a")
                except OSError:
                    pass
            slot[0] = connection
        stop.wait(1.0)
    for connection, _ in connections:
        if connection is not None:
            connection.close()


def timed_search(port, path):
    """Milliseconds for one search on a new connection, or None if it failed."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.settimeout(2)
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
            response = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                response += chunk
        if not response.startswith(b"HTTP/1.1 200"):
            return None
    except OSError:
        return None
    return (time.monotonic() - start) * 1000


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=200, help="slow connections")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--path", default="/v1/search?q=nike&limit=20&facets=brand,category,price")
    args = parser.parse_args()

    stop = threading.Event()
    ended = [0]
    slow = threading.Thread(target=keep_slow_clients, args=(args.port, args.count, stop, ended))
    slow.start()
    time.sleep(1)  # the slow connections are open
    latencies, failures = [], 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        took = timed_search(args.port, args.path)
        if took is None:
            failures += 1
        else:
            latencies.append(took)
        time.sleep(0.05)
    stop.set()
    slow.join()
    if latencies:
        print(f"{args.count} slow clients: ordinary client {len(latencies)} answered, {failures} failed; "
              f"p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
              f"max {max(latencies):.1f} ms; slow connections ended by the server: {ended[0]}")
    else:
        print(f"{args.count} slow clients: ordinary client 0 answered, {failures} failed; "
              f"slow connections ended by the server: {ended[0]}")


if __name__ == "__main__":
    main()
