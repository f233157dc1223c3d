#!/usr/bin/env python3
"""make_mails.py DIR SAMPLES: the mails of the end-to-end mail tests
(test_mail_e2e.sh), written with Python's email package."""
import base64
import io
import os
import struct
import zipfile
import zlib
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
# pictures mail clients show from headers: nobody re-encoded them
m["X-Face"] = '"8Z1z#CFJxq3bVn<>@$^gR6~e9Z\'Jjv0!KvQ4:e_1K(aR'
m["Face"] = "iVBORw0KGgoAAAANSUhEUgAAADAAAAAwAQMAAABtzGvEAAAABlBMVEX"
m["X-Image-URL"] = "http://t.example/me.png"
m["X-Mailer"] = "Sylpheed 3.7.0"
write("plain.eml", m)


def raw(name, text):
    with open(os.path.join(out, name), "wb") as f:
        f.write(text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


# ISO-2022-JP body (① is an NEC extension), a Shift_JIS CSV named 予算.csv
# twice: RFC 2047 in name= (Outlook) and RFC 2231 in filename*=
csv = "項目,金額\n会議費①,12000\n".encode("cp932")
body = "予算案を送ります。\n".encode("iso-2022-jp")
raw("budget.eml", b"""From: sender@example.jp
To: rcpt@example.lg.jp
Subject: =?ISO-2022-JP?B?""" + base64.b64encode("予算".encode("iso-2022-jp")) + b"""?=
Message-ID: <budget@example.jp>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

""" + body + b"""
--b1
Content-Type: text/csv; name="=?ISO-2022-JP?B?""" + base64.b64encode("予算.csv".encode("iso-2022-jp")) + b"""?="
Content-Disposition: attachment
Content-Transfer-Encoding: base64

""" + base64.encodebytes(csv) + b"""
--b1
Content-Type: text/csv
Content-Disposition: attachment; filename*=Shift_JIS''""" + "".join("%%%02X" % c for c in "予算.csv".encode("cp932")).encode() + b"""
Content-Transfer-Encoding: base64

""" + base64.encodebytes(csv) + b"""
--b1--
""")


def zip_cp932(members):
    """a zip whose names are CP932 bytes without the UTF-8 flag (what
    Windows' Explorer writes), stored"""
    local, central = b"", b""
    for name, data in members:
        n = name.encode("cp932")
        crc = zlib.crc32(data)
        off = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data),
                             len(data), len(n), 0) + n + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc,
                               len(data), len(data), len(n), 0, 0, 0, 0, 0, off) + n
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(central), len(local), 0)
    return local + central + end


m = base("zip")
m.set_content("資料をまとめました。\n")
m.add_attachment(zip_cp932([("資料/議事録.txt", "議事録の本文\n".encode("cp932")),
                            ("実行.exe", b"MZ\x90\x00" + b"\0" * 60)]),
                 maintype="application", subtype="zip", filename="会議資料.zip")
write("zip.eml", m)


def docm():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/_rels/document.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rV" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                   '<w:body><w:p><w:r><w:t>住民票の写し</w:t></w:r></w:p></w:body></w:document>')
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 +
                   b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\nEnd Sub\r\n')
    return b.getvalue()


m = base("docm")
m.set_content("文書です。\n")
m.add_attachment(docm(), maintype="application", subtype="vnd.ms-word.document.macroEnabled.12",
                 filename="申請書.docm")
write("docm.eml", m)

# 15 MiB: one attachment of random bytes (an unknown type: removed)
with open(os.path.join(out, "big.eml"), "wb") as f:
    f.write(b"From: sender@example.jp\r\nTo: rcpt@example.lg.jp\r\nSubject: big\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nbig one\r\n"
            b"--b\r\nContent-Type: application/octet-stream; name=\"r.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n")
    f.write(base64.encodebytes(os.urandom(11 * 1024 * 1024)).replace(b"\n", b"\r\n"))
    f.write(b"--b--\r\n")
