#!/usr/bin/env python3
"""mail_bench.py make DIR | run PORT SINK FILE N CLIENTS

make: DIR/text.eml (one 4 KiB text attachment), DIR/pdf.eml (one 5-page
PDF), DIR/big1.eml, big10.eml, big20.eml (1, 10, 20 MiB of base64 text).
run: N mails of FILE through the SMTP server on PORT from CLIENTS threads;
each mail's latency is from its first byte sent until it is at the sink
(SINK, the *.eml files the test sink writes); prints
"mails/s p50_ms p99_ms"."""
import base64
import os
import smtplib
import sys
import threading
import time
from email.message import EmailMessage


def pdf5():
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for i in range(5):
        text = "BT /F1 18 Tf 72 720 Td (Page %d of a report) Tj ET" % (i + 1)
        objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                    "/Resources << /Font << /F1 3 0 R >> >> >>" % len(objs))
        kids.append(len(objs))
    objs[1] = "<< /Type /Pages /Kids [%s] /Count 5 >>" % " ".join("%d 0 R" % k for k in kids)
    out, offs = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o.encode())
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out


def mail(attach, maintype, subtype, name):
    m = EmailMessage()
    m["From"] = "sender@example.jp"
    m["To"] = "rcpt@example.lg.jp"
    m["Subject"] = "bench"
    m.set_content("bench mail\n")
    m.add_attachment(attach, maintype=maintype, subtype=subtype, filename=name)
    return bytes(m).replace(b"\n", b"\r\n")


def make(d):
    os.makedirs(d, exist_ok=True)
    line = "これは無害化の性能測定用の行です。0123456789\n"
    # 4 KiB, cut at a character boundary (a cut character is not text)
    text = (line * (4096 // len(line.encode()) + 1)).encode()[:4096]
    text = text.decode("utf-8", "ignore").encode()
    open(d + "/text.eml", "wb").write(mail(text, "text", "plain", "memo.txt"))
    open(d + "/pdf.eml", "wb").write(mail(pdf5(), "application", "pdf", "report.pdf"))
    for mib in (1, 10, 20):
        body = (("row,%d,ok\n" % 1234567) * (mib * 1024 * 1024 // 14)).encode()
        open(d + "/big%d.eml" % mib, "wb").write(mail(body, "text", "csv", "data.csv"))


def run(port, sink, path, n, clients):
    data = open(path, "rb").read()
    lat, lock, todo = [], threading.Lock(), list(range(n))
    seen0 = len([f for f in os.listdir(sink) if f.endswith(".eml")])

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            t = time.monotonic()
            with smtplib.SMTP("127.0.0.1", port, timeout=600) as s:
                s.sendmail("sender@example.jp", ["rcpt@example.lg.jp"], data)
            # before-queue milter: accepted = sanitised; delivered soon after
            with lock:
                lat.append(time.monotonic() - t)
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    while len([f for f in os.listdir(sink) if f.endswith(".eml")]) < seen0 + n:
        time.sleep(0.05)
    wall = time.monotonic() - t0
    lat.sort()
    print("%.2f %.0f %.0f" % (n / wall, lat[len(lat) // 2] * 1000,
                              lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        run(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
