#!/usr/bin/env python3
"""mail_bench.py make DIR | run PORT SINK FILE N CLIENTS [TIMEOUT] | cpu PID...

make: DIR/text.eml (one 4 KiB text attachment), DIR/pdf.eml (one 5-page
PDF), DIR/big1.eml, big10.eml, big20.eml (1, 10, 20 MiB of base64 text).
run: N mails of FILE through the SMTP server on PORT from CLIENTS threads,
a new SMTP connection per mail, each with a header X-Bench-Seq of its own;
then waits until all N are at the sink (SINK: the NNNN.eml files of
tests/integration/mail_helpers.py sink, which Postfix relays to).  Prints
"mails/s smtp_p50 smtp_p99 delivery_p50 delivery_p99" (ms): mails/s from the
first mail's start to the last one's arrival at the sink; "smtp" is the SMTP
transaction (the before-queue milter's work is inside it), "delivery" from
the mail's first byte sent until its file is at the sink (file mtime:
a few ms of resolution).
Nothing waits for ever: each SMTP connection times out after TIMEOUT seconds
(default 120) and the whole run after TIMEOUT + N seconds; a mail refused
(4xx/5xx, e.g. the milter tempfailed), a timeout or mails missing at the
sink end the run with a message on stderr and exit status 1.
cpu: one line, the CPU time used so far (ms, from /proc): the whole
machine's busy time (/proc/stat: all but idle and iowait, every core), then
for each PID its own utime+stime (all its threads, the ended ones included)
and its children's (cutime+cstime: the children it has waited for, e.g.
mugaid's filter processes).  Two such lines, before and after a run, give
the CPU per mail of each side."""
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


def seq_of(path):
    """The X-Bench-Seq of the message in path (None if it has none)."""
    with open(path, "rb") as f:
        head = f.read(65536).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if line.lower().startswith(b"x-bench-seq:"):
            return line.split(b":", 1)[1].strip().decode()
    return None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def run(port, sink, path, n, clients, timeout):
    data = open(path, "rb").read()
    cut = data.index(b"\r\n") + 2
    first, rest = data[:cut], data[cut:]
    tag = "%d-%d" % (os.getpid(), time.time_ns())
    lock, todo = threading.Lock(), list(range(n))
    start, smtp, errors = {}, [], []

    def worker():
        while True:
            with lock:
                if not todo or errors:
                    return
                i = todo.pop(0)
            seq = "%s-%d" % (tag, i)
            # after the first header (From:), which keeps the mail's type
            msg = first + b"X-Bench-Seq: " + seq.encode() + b"\r\n" + rest
            t, w = time.monotonic(), time.time()
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as s:
                    s.sendmail("sender@example.jp", ["rcpt@example.lg.jp"], msg)
            except smtplib.SMTPResponseException as e:
                with lock:
                    errors.append("mail %d refused: %d %s" % (i, e.smtp_code, e.smtp_error.decode(errors="replace")))
                return
            except smtplib.SMTPRecipientsRefused as e:
                with lock:
                    errors.append("mail %d refused: %s" % (i, e.recipients))
                return
            except (smtplib.SMTPException, OSError) as e:  # socket.timeout is an OSError
                with lock:
                    errors.append("mail %d: %s (SMTP timeout %d s)" % (i, e.__class__.__name__ + ": " + str(e), timeout))
                return
            with lock:
                smtp.append(time.monotonic() - t)
                start[seq] = w
    t0, w0 = time.monotonic(), time.time()
    ts = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.stderr.write("mail_bench: %d of %d mails not accepted by the SMTP server on port %d; first: %s\n"
                         % (n - len(smtp), n, port, errors[0]))
        sys.exit(1)
    # every mail was accepted (250 after the before-queue milter): now wait
    # until each is at the sink
    arrived, seen, deadline = {}, set(), t0 + timeout + n
    while len(arrived) < n:
        for f in os.listdir(sink):
            if not f.endswith(".eml") or f in seen:
                continue
            p = os.path.join(sink, f)
            seen.add(f)
            s = seq_of(p)
            if s in start:
                arrived[s] = os.stat(p).st_mtime
        if len(arrived) >= n:
            break
        if time.monotonic() > deadline:
            sys.stderr.write("mail_bench: only %d of %d accepted mails reached the sink %s within %d s "
                             "(see postqueue -p and the Postfix log)\n"
                             % (len(arrived), n, sink, deadline - t0))
            sys.exit(1)
        time.sleep(0.02)
    wall = max(arrived.values()) - w0
    deliv = [arrived[s] - start[s] for s in arrived]
    print("%.2f %.0f %.0f %.0f %.0f" % (n / wall, pct(smtp, .5) * 1000, pct(smtp, .99) * 1000,
                                        pct(deliv, .5) * 1000, pct(deliv, .99) * 1000))


def cpu(pids):
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        t = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is in user)
    out = [sum(t[:8]) - t[3] - t[4]]
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            # the fields after "(comm)", which may hold spaces
            st = f.read().rsplit(")", 1)[1].split()
        # utime stime cutime cstime: fields 14-17, here from 3 on
        out += [int(st[11]) + int(st[12]), int(st[13]) + int(st[14])]
    print(" ".join("%.0f" % (x * 1000.0 / hz) for x in out))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) in (7, 8) and sys.argv[1] == "run":
        run(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]),
            int(sys.argv[7]) if len(sys.argv) == 8 else 120)
    elif len(sys.argv) >= 3 and sys.argv[1] == "cpu":
        cpu([int(x) for x in sys.argv[2:]])
    else:
        sys.exit(__doc__)
