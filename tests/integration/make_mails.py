#!/usr/bin/env python3
"""make_mails.py DIR SAMPLES: the mails of the end-to-end mail tests
(test_mail_e2e.sh), written with Python's email package."""
import os
import sys
from email.message import EmailMessage

out, samples = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-"
         b"TEST-FILE!$H+H*")


def base(subject):
    m = EmailMessage()
    m["From"] = "sender@example.jp"
    m["To"] = "rcpt@example.lg.jp"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.jp>" % subject.replace(" ", "-")
    m["X-Mugai-Sanitized"] = "forged"
    return m


def write(name, m):
    # CRLF: smtplib sends bytes as they are, and a bare LF at the end
    # would come back as one more line
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes(m).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


m = base("eicar")
m.set_content("請求書を送ります。\n")
m.add_attachment(EICAR, maintype="application", subtype="octet-stream", filename="請求書.txt")
write("eicar.eml", m)

m = base("pdf")
m.set_content("PDF attached.\n")
with open(os.path.join(samples, "hostile.pdf"), "rb") as f:
    m.add_attachment(f.read(), maintype="application", subtype="pdf", filename="報告書.pdf")
write("pdf.eml", m)

m = base("html")
m.set_content('<html><body><p>Hello</p><script>alert("x")</script>'
              '<a href="http://evil.example/login">log in here</a></body></html>\n',
              subtype="html")
write("html.eml", m)

m = base("plain")
m.set_content("一行目\nsecond line, kept as it is\n\n-- \nsignature\n")
write("plain.eml", m)
