#!/usr/bin/env python3
"""Helpers of the mail tests (tests/integration/mail_lib.sh).

  mail_helpers.py sink PORT DIR        SMTP sink: every message delivered to it
                                       is written to DIR/NNNN.eml (the relayhost
                                       of the test Postfix); runs until killed
  mail_helpers.py stub PORT MODE       a stand-in for mugaid's intake for the
                                       milter's own tests, until the mail
                                       pipeline is wired in mugaid: MODE
                                       rebuild (a rebuilt message with
                                       X-Mugai-Sanitized), multipart (the same as
                                       multipart/mixed), failed, badsha, slow
                                       (30 s), slowok (8 s, then rebuild)
  mail_helpers.py send PORT FILE       send FILE with smtplib to 127.0.0.1:PORT;
                                       prints "sent" or the SMTP error code
"""
import hashlib, http.server, json, os, smtplib, socketserver, sys, threading, time


class SinkHandler(socketserver.StreamRequestHandler):
    """The smallest SMTP server Postfix's smtp client accepts."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n")
                self.wfile.flush()
            elif cmd.startswith(b"HELO") or cmd.startswith(b"MAIL") or cmd.startswith(b"RCPT") \
                    or cmd.startswith(b"RSET") or cmd.startswith(b"NOOP"):
                self.reply("250 ok")
            elif cmd == b"DATA":
                self.reply("354 go on")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    data.append(l[1:] if l.startswith(b"..") else l)
                d = self.server.outdir
                # Postfix delivers several messages at once: each is written
                # to a temporary file of its own thread, then numbered and
                # renamed under the lock (two deliveries that picked the same
                # number lost one message and broke the other's connection)
                tmp = os.path.join(d, ".%d.tmp" % threading.get_ident())
                with open(tmp, "wb") as f:
                    f.write(b"".join(data))
                with self.server.lock:
                    n = len([f for f in os.listdir(d) if f.endswith(".eml")])
                    os.rename(tmp, os.path.join(d, "%04d.eml" % n))
                self.reply("250 queued")
            elif cmd == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 no")


class Sink(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    lock = threading.Lock()


def sink(port, outdir):
    s = Sink(("127.0.0.1", port), SinkHandler)
    s.outdir = outdir
    s.serve_forever()


JOB = "0123456789abcdef0123456789abcdef"


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        left, size = n, 0
        head = b""
        while left > 0:  # streamed: the message is never whole in memory here
            b = self.rfile.read(min(left, 1 << 20))
            if not b:
                break
            if len(head) < 65536:
                head += b[:65536 - len(head)]
            size += len(b)
            left -= len(b)
        mode = self.server.mode
        if mode == "slow":
            print("posted", flush=True)  # the test waits for this line
            time.sleep(30)
        elif mode == "slowok":  # longer than the MTA's milter timeout, then done
            time.sleep(8)
        if "mode=mail" not in self.path:
            return self.send(400, b'{"error":{"code":"bad","message":"not mail"}}')
        hdr_end = head.find(b"\r\n\r\n")
        headers = head[:hdr_end].split(b"\r\n") if hdr_end > 0 else []
        kept = [h for h in headers if not h.lower().startswith((b"content-", b"mime-version",
                                                                b"x-mugai-"))]
        body = (b"This is the rebuilt message of a %d-byte mail.\r\n" % size)
        if mode == "multipart":  # a single part that became multipart
            mime = [b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="=_mugai_1"']
            body = (b"--=_mugai_1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body +
                    b"--=_mugai_1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nnotice\r\n"
                    b"--=_mugai_1--\r\n")
            stamp = b"X-Mugai-Sanitized: attachments=1 converted=0 removed=1 held=0 html=none"
        else:
            mime = [b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=UTF-8",
                    b"Content-Transfer-Encoding: 8bit"]
            stamp = b"X-Mugai-Sanitized: attachments=0 converted=0 removed=0 held=0 html=none"
        rebuilt = b"\r\n".join(kept + mime + [stamp]) + b"\r\n\r\n" + body
        self.server.artefact = rebuilt
        sha = hashlib.sha256(rebuilt).hexdigest()
        if mode == "badsha":
            sha = "0" * 64
        verdict = "failed" if mode == "failed" else "released"
        job = {"id": JOB, "state": "done", "verdict": verdict, "reason": "",
               "artefacts": [] if verdict == "failed" else
               [{"name": "message.eml", "sha256": sha, "size": len(rebuilt),
                 "url": "/v1/jobs/%s/artefacts/0" % JOB}]}
        self.send(200, json.dumps(job).encode())

    def do_GET(self):
        if self.path == "/v1/jobs/%s/artefacts/0" % JOB and self.server.artefact is not None:
            return self.send(200, self.server.artefact, "message/rfc822")
        self.send(404, b'{"error":{"code":"not-found","message":"no"}}')


class StubServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def stub(port, mode):
    s = StubServer(("127.0.0.1", port), Stub)
    s.mode = mode
    s.artefact = None
    s.serve_forever()


def send(port, path):
    data = open(path, "rb").read()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=600) as s:
            s.sendmail("sender@example.jp", ["rcpt@example.lg.jp"], data)
        print("sent")
    except smtplib.SMTPResponseException as e:
        print(e.smtp_code)
    except smtplib.SMTPRecipientsRefused as e:
        print(list(e.recipients.values())[0][0])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sink":
        sink(int(sys.argv[2]), sys.argv[3])
    elif cmd == "stub":
        stub(int(sys.argv[2]), sys.argv[3])
    elif cmd == "send":
        send(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("unknown command " + cmd)
