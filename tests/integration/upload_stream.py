#!/usr/bin/env python3
"""upload_stream.py - stream generated uploads to mugaid without files on disk.

    upload_stream.py HOST:PORT PATH SIZE [--chunked] [--parallel N]

Sends SIZE bytes of zeros (K, M, G suffixes) as the body of POST PATH,
announced with Content-Length (no Expect: 100-continue, so the body is
really pushed) or with Transfer-Encoding: chunked.  The sender goes on until
the body is out or the server stops reading (reset, broken pipe); the answer
is read beside it.  Prints one JSON line per upload: status (null when the
server answered nothing), sent (body bytes the kernel took), seconds, error.
"""
import json
import socket
import sys
import threading
import time

BLOCK = 1 << 20
ZEROS = bytes(BLOCK)


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s[-1].upper() in mult:
        return int(s[:-1]) * mult[s[-1].upper()]
    return int(s)


def upload(host, port, path, size, chunked):
    res = {"status": None, "sent": 0, "seconds": 0.0, "error": None}
    t0 = time.monotonic()
    sock = socket.create_connection((host, port), timeout=120)
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}",
            "Content-Type: application/octet-stream", "Connection: close"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    answer = bytearray()

    def reader():
        try:
            while len(answer) < (1 << 20):
                b = sock.recv(65536)
                if not b:
                    break
                answer.extend(b)
        except OSError:
            pass

    rt = threading.Thread(target=reader)
    rt.start()
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        left = size
        while left > 0:
            n = min(left, BLOCK)
            data = ZEROS if n == BLOCK else ZEROS[:n]
            if chunked:
                sock.sendall(b"%x\r\n" % n + data + b"\r\n")
            else:
                sock.sendall(data)
            left -= n
            res["sent"] += n
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError as e:
        res["error"] = type(e).__name__
    rt.join(timeout=600)
    sock.close()
    line = bytes(answer).split(b"\r\n", 1)[0].split()
    if len(line) >= 2 and line[0].startswith(b"HTTP/"):
        res["status"] = int(line[1])
    res["seconds"] = round(time.monotonic() - t0, 3)
    return res


def main():
    args = sys.argv[1:]
    chunked = "--chunked" in args
    parallel = 1
    if "--parallel" in args:
        i = args.index("--parallel")
        parallel = int(args[i + 1])
        del args[i:i + 2]
    args = [a for a in args if a != "--chunked"]
    host, port = args[0].rsplit(":", 1)
    path, size = args[1], parse_size(args[2])
    results = [None] * parallel

    def run(i):
        try:
            results[i] = upload(host, int(port), path.replace("{i}", str(i)), size, chunked)
        except OSError as e:
            results[i] = {"status": None, "sent": 0, "seconds": 0, "error": type(e).__name__}

    threads = [threading.Thread(target=run, args=(i,)) for i in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
