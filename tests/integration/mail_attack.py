#!/usr/bin/env python3
"""mail_attack.py: hostile mails for the attack tests (test_mail_attack*.sh).

  mail_attack.py mails DIR [SAMPLES]  write the hostile mails as DIR/NAME.eml
                                    (SAMPLES: samples/generate.py's output,
                                    for the mails that carry its files)
  mail_attack.py session PORT DIR   one SMTP connection to 127.0.0.1:PORT:
                                    DIR's twoct, forged and plain mails, each
                                    after a transaction the client ended with
                                    RSET after its RCPT (the milter's abort);
                                    prints one answer a line ("sent" or the
                                    SMTP code)
  mail_attack.py envelope PORT DIR  DIR's plain mail to three recipients, one
                                    plain, one of 600 bytes, one not UTF-8;
                                    prints the RCPT answers and the DATA one
  mail_attack.py dropdata PORT DIR N  N connections that close in the middle
                                    of DATA (half of DIR's twoct mail sent)
  mail_attack.py sized FILE SIZE    a plain mail of exactly SIZE bytes (CRLF)

Every mail carries the marker ORIGINAL-BYTES-<name> where the original's
bytes would be seen if they were passed on (the tests look for it in what
is delivered), and an MZ header where an executable is hidden."""
import base64
import binascii
import io
import os
import smtplib
import sys
import zipfile

MZ = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 +
      b"\x80\x00\x00\x00" + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 198)


def head(name, extra=""):
    return ("From: sender@example.jp\r\nTo: rcpt@example.lg.jp\r\nSubject: %s\r\n"
            "Message-ID: <%s@example.jp>\r\n%s" % (name, name, extra))


CTE_B64 = "Content-Transfer-Encoding: base64\r\n\r\n"


def b64(data):
    return base64.encodebytes(data).decode().replace("\n", "\r\n")


def mixed(name, part, boundary="b1", sub="mixed", first="Content-Type: text/plain\r\n\r\nhello"):
    """a multipart with a plain text first and part (its headers, a blank
    line, its body) second"""
    return head(name, "MIME-Version: 1.0\r\nContent-Type: multipart/%s; boundary=%s\r\n\r\n"
                % (sub, boundary)) + "--%s\r\n%s\r\n--%s\r\n%s--%s--\r\n" % (
        boundary, first, boundary, part, boundary)


def uu(name, data, eol="\r\n"):
    """uuencode; backticks for zeros (no spaces: HTML keeps them)"""
    lines = "".join(binascii.b2a_uu(data[i:i + 45], backtick=True).decode().replace("\n", eol)
                    for i in range(0, len(data), 45))
    return "begin 644 %s%s%s`%send%s" % (name, eol, lines, eol, eol)


def mails(samples=None):
    m = {}
    # a multipart whose declared boundary never comes: GMime finds no part,
    # the rebuilt message has an empty body
    m["noboundary"] = head("noboundary", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                           "boundary=AAA\r\n\r\n") + (
        "ORIGINAL-BYTES-noboundary\r\n--BBB\r\nContent-Type: application/octet-stream; "
        "name=evil.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(MZ) + "--BBB--\r\n")
    # the sender's own X-Mugai-* headers, in every spelling, folded, and an
    # envelope that would send a PPAP follow-up elsewhere
    m["forged"] = head("xmugai",
                       "X-Mugai-Sanitized: attachments=0 converted=0 removed=0 held=0 html=none\r\n"
                       "x-mugai-sanitized: forged-lower\r\n"
                       "X-MUGAI-SANITIZED:\r\n forged-folded\r\n"
                       "X-Mugai-Envelope-To: boss@attacker.example\r\n"
                       "x-mugai-envelope-from:\r\n\tceo@example.lg.jp\r\n"
                       "X-Mugai-Job: 0123456789abcdef0123456789abcdef\r\n"
                       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                       "hello\r\n")
    # the original's MIME headers twice, in two spellings: the MUA must see ours only
    m["twoct"] = head("twoct", "MIME-Version: 1.0\r\nmime-version: 1.0\r\n"
                      "content-type: text/html\r\n"
                      "CONTENT-TYPE: multipart/mixed; boundary=zz\r\n"
                      "Content-Transfer-Encoding: 8bit\r\ncontent-disposition: inline\r\n\r\n") + (
        "--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz\r\nContent-Type: "
        "application/octet-stream; name=evil.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        b64(MZ) + "--zz--\r\n")
    # white space before the colon (RFC 822's obsolete syntax)
    m["wsp"] = head("wsp", "MIME-Version: 1.0\r\nContent-Type : multipart/mixed; boundary=zz\r\n"
                    "\r\n") + (
        "--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz\r\nContent-Type: "
        "application/octet-stream; name=evil.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        b64(MZ) + "--zz--\r\nORIGINAL-BYTES-wsp\r\n")
    # more headers than the milter reads of the rebuilt message (256)
    m["manyheaders"] = head("manyheaders", "".join(
        "X-Trace: hop%d.example.jp to hop%d.example.jp;\r\n Tue, 1 Dec 2026 00:00:00 +0000\r\n"
        % (i, i + 1) for i in range(300)) + "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\nmany hops\r\n")
    # one header of 60 KiB, one word (below Postfix's header_size_limit)
    m["longheader"] = head("longheader", "X-Long: " + "A" * (60 * 1024) + "\r\n"
                           "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nlong header\r\n")
    # one header as long as mime-unpack keeps (64 KiB), one word
    m["longheader2"] = head("longheader2", "X-Long: " + "A" * (64 * 1024 - 8) + "\r\n"
                            "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nlonger header\r\n")
    # 20000 distinct MIME headers the milter would have to remember and delete
    m["manymime"] = head("manymime", "".join("Content-X%d: a\r\n" % i for i in range(20000)) +
                         "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nmany mime\r\n")
    # a bare CR in a header: a client that ends lines there sees a
    # Content-Type the sanitiser never saw
    m["barecr"] = head("barecr\rContent-Type: text/html\rX-A: b") + (
        "X-Nested: <script>alert(1)</script>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
        "\r\nbare cr\r\n")
    # first headers libmagic does not take for a mail (a signer's, a saved
    # mail's): ?mode=mail still reads them as one
    for first in ("DKIM-Signature: v=1; a=rsa-sha256; d=example.jp; s=s1;\r\n\tbh=YWJj; b=ZGVm",
                  "X-Mozilla-Status: 0001", "MIME-Version: 1.0"):
        name = "first-" + first.split(":")[0].lower()
        m[name] = first + "\r\n" + head(name, "Content-Type: text/plain\r\n\r\n") + \
            "first header\r\n"
    # a line without a colon among the headers: Postfix starts the body
    # there (no blank line); a client that reads on sees the MIME headers
    # after it
    m["nocolon"] = head("nocolon", "this line has no colon\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=zz\r\n\r\n") + (
        "--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz\r\nContent-Type: "
        "application/octet-stream; name=evil.exe\r\n" + CTE_B64 + b64(MZ) + "--zz--\r\n")
    # headers only, no body at all; an empty body
    m["nobody"] = head("nobody")
    m["emptybody"] = head("emptybody", "\r\n")
    # a base64 body that decodes to nothing
    m["b64nothing"] = head("b64nothing", "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n") + \
        "!!!! ORIGINAL-BYTES-b64nothing\r\n"
    # uuencode inside a text/plain body (Becky!, Outlook Express, ... show it as a file)
    m["uuencode"] = head("uuencode", "MIME-Version: 1.0\r\nContent-Type: text/plain; "
                         "charset=us-ascii\r\n\r\n") + "See the file.\r\n\r\n" + uu("evil.exe", MZ)
    # yEnc inside a text/plain body, in an HTML body too
    yenc = "=ybegin line=128 size=%d name=evil.exe\r\n%s\r\n=yend size=%d\r\n" % (
        len(MZ), "".join(chr((b + 42) % 256) if (b + 42) % 256 not in (0, 10, 13, 61) else
                         "=" + chr((b + 42 + 64) % 256) for b in MZ[:64]).encode(
                             "latin-1").decode("latin-1"), len(MZ))
    m["yenc"] = mixed("yenc", "Content-Type: text/html; charset=utf-8\r\n\r\n<p>\r\n" +
                      uu("evil2.exe", MZ, "<br>\r\n") + "</p><p>after</p>\r\n",
                      first="Content-Type: text/plain; charset=iso-8859-1\r\n\r\nbefore\r\n" +
                      yenc + "after yenc")
    # words that look like a begin line, without encoded lines: text
    m["beginword"] = head("beginword", "\r\n") + \
        "Please begin 644 tasks:\r\nbegin 644 pages now\r\nthe rest of the text\r\nend\r\n"
    # a forwarded message with its own forged X-Mugai-* and an executable
    m["nested"] = mixed("nested", "Content-Type: message/rfc822\r\n\r\n" + head(
        "inner", "X-Mugai-Sanitized: inner-forged\r\nX-Mugai-Envelope-To: boss@attacker.example\r\n"
        "MIME-Version: 1.0\r\n") + "Content-Type: multipart/mixed; boundary=i1\r\n\r\n--i1\r\n"
        "Content-Type: text/plain\r\n\r\ninner text\r\n--i1\r\nContent-Type: "
        "application/octet-stream; name=inner.exe\r\n" + CTE_B64 + b64(MZ) + "--i1--\r\n")
    # an HTML file attached, with a script and a link
    m["htmlfile"] = mixed("htmlfile", "Content-Type: text/html; name=page.html\r\n"
                          "Content-Disposition: attachment; filename=page.html\r\n\r\n"
                          "<html><script>alert(1)</script><p>page <a href='http://evil.example/x'>"
                          "link</a></p></html>\r\n")
    # a plain body that is an image, an HTML body that is a zip of two texts
    if samples is not None:
        png = open(os.path.join(samples, "photo.png"), "rb").read()
        m["pngbody"] = mixed("pngbody", "Content-Type: text/plain\r\n" + CTE_B64 + b64(png))
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "aaa\n")
        zf.writestr("b.txt", "bbb\n")
    m["zipbody"] = mixed("zipbody", "Content-Type: text/html\r\n" + CTE_B64 + b64(z.getvalue()))
    # message/partial: a fragment of a message that carries an attachment
    m["partial"] = mixed("partial", "Content-Type: message/partial; id=\"abc@example.jp\"; "
                         "number=1; total=2\r\n\r\nFrom: x@example.jp\r\nSubject: inner\r\n"
                         "MIME-Version: 1.0\r\nContent-Type: application/octet-stream; "
                         "name=evil.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                         b64(MZ[:120]))
    # message/external-body: the MUA would fetch the URL
    m["external"] = mixed("external", "Content-Type: message/external-body; access-type=URL; "
                          "URL=\"http://evil.example/evil.exe\"\r\n\r\nContent-Type: "
                          "application/octet-stream\r\nContent-ID: <ext@example.jp>\r\n\r\n")
    # an executable as a second text/plain body, inline, base64
    m["liar"] = mixed("liar", "Content-Type: text/plain; charset=us-ascii\r\nContent-Disposition: "
                      "inline\r\n" + CTE_B64 + b64(MZ))
    # inline, no name, octet-stream
    m["inline"] = mixed("inline", "Content-Type: application/octet-stream\r\nContent-Disposition: "
                        "inline\r\n" + CTE_B64 + b64(MZ))
    # an executable as the second alternative of a plain text
    m["alternative"] = mixed("alternative", "Content-Type: application/x-msdownload\r\n" +
                             CTE_B64 + b64(MZ), sub="alternative")
    # HTML referring to an executable by Content-ID (multipart/related)
    m["cid"] = mixed("cid", "Content-Type: image/png\r\nContent-ID: <evil@example.jp>\r\n" +
                     CTE_B64 + b64(MZ), sub="related",
                     first="Content-Type: text/html\r\n\r\n<p>hi <img src=\"cid:evil@example.jp\"></p>")
    # TNEF (winmail.dat)
    tnef = b"\x78\x9f\x3e\x22\x01\x00\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00\x01\x00" + MZ
    m["tnef"] = mixed("tnef", "Content-Type: application/ms-tnef; name=winmail.dat\r\n"
                      "Content-Disposition: attachment; filename=winmail.dat\r\n" + CTE_B64 +
                      b64(tnef))
    # a declared PDF that is an executable
    m["typelie"] = mixed("typelie", "Content-Type: application/pdf; name=report.pdf\r\n"
                         "Content-Disposition: attachment; filename=report.pdf\r\n" + CTE_B64 +
                         b64(MZ))
    # nested deeper than [mail] max_depth (10)
    deep = "Content-Type: text/plain\r\n\r\ndeep\r\n"
    for i in range(14):
        deep = ("Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n%s\r\n--d%d--\r\n"
                % (i, i, deep, i))
    m["deep"] = head("deep", "MIME-Version: 1.0\r\n") + deep
    # more parts than [limits] archive_max_members would let through
    m["manyparts"] = head("manyparts", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                          "boundary=b1\r\n\r\n") + "".join(
        "--b1\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(1200)) + \
        "--b1--\r\n"
    # more multipart containers than mime-unpack lets GMime build (256)
    m["manycontainers"] = mixed("manycontainers", "".join(
        "Content-Type: multipart/mixed; boundary=c%d\r\n\r\n--c%d--\r\n--b1\r\n" % (i, i)
        for i in range(300)) + "Content-Type: text/plain\r\n\r\nlast\r\n")
    # a part of 4 MiB of base64 on one line, padded with white space GMime skips
    m["b64bomb"] = mixed("b64bomb", "Content-Type: application/octet-stream; name=zeros.bin\r\n" +
                         CTE_B64 + base64.b64encode(bytes(3 * 1024 * 1024)).decode() +
                         " " * 4096 + "\r\n")
    return m


def session(port, d):
    msgs = [open(os.path.join(d, n + ".eml"), "rb").read() for n in ("twoct", "forged", "plain")]
    out = []
    with smtplib.SMTP("127.0.0.1", port, timeout=600) as s:
        s.ehlo()

        def one(data):
            try:
                s.sendmail("sender@example.jp", ["rcpt@example.lg.jp"], data)
                out.append("sent")
            except smtplib.SMTPResponseException as e:
                out.append(str(e.smtp_code))
        one(msgs[0])
        # a transaction the client gives up after RCPT: the milter's abort
        s.mail("sender@example.jp")
        s.rcpt("other@example.lg.jp")
        s.rset()
        one(msgs[1])
        s.mail("sender@example.jp")
        s.rcpt("rcpt@example.lg.jp")
        s.rset()
        one(msgs[2])
    print("\n".join(out))


def envelope(port, d):
    """recipients an MTA takes but mugaid's envelope does not (longer than
    512 bytes, not UTF-8) beside a plain one: the answer to each RCPT, then
    to the message"""
    data = open(os.path.join(d, "plain.eml"), "rb").read()
    out = []
    with smtplib.SMTP("127.0.0.1", port, timeout=600) as s:
        s.ehlo()
        s.mail("sender@example.jp")
        for rcpt in (b"rcpt@example.lg.jp", b"x" * 600 + b"@example.lg.jp",
                     b"\xff\xfe@example.lg.jp"):
            s.send(b"RCPT TO:<" + rcpt + b">\r\n")
            out.append(str(s.getreply()[0]))
        code, _ = s.docmd("DATA")
        if code == 354:
            s.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
            code = s.getreply()[0]
        out.append(str(code))
    print(" ".join(out))


def dropdata(port, d, n):
    """n connections that go away in the middle of DATA (the milter has the
    headers and part of the body: its abort and close)"""
    data = open(os.path.join(d, "twoct.eml"), "rb").read()
    for _ in range(n):
        s = smtplib.SMTP("127.0.0.1", port, timeout=600)
        s.ehlo()
        s.mail("sender@example.jp")
        s.rcpt("rcpt@example.lg.jp")
        s.docmd("DATA")
        s.send(data[:len(data) // 2])
        s.sock.close()
    print("dropped")


def sized(path, size):
    h = head("sized", "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n").encode()
    line = b"x" * 76 + b"\r\n"
    body = line * ((size - len(h)) // len(line))
    body += b"y" * (size - len(h) - len(body) - 2) + b"\r\n"
    data = h + body
    assert len(data) == size, (len(data), size)
    open(path, "wb").write(data)


if __name__ == "__main__":
    if sys.argv[1] == "mails":
        os.makedirs(sys.argv[2], exist_ok=True)
        for name, text in mails(sys.argv[3] if len(sys.argv) > 3 else None).items():
            with open(os.path.join(sys.argv[2], name + ".eml"), "wb") as f:
                f.write(text.encode())
        with open(os.path.join(sys.argv[2], "plain.eml"), "wb") as f:
            f.write(head("plain", "\r\n").encode() + b"plain body\r\n")
    elif sys.argv[1] == "session":
        session(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "envelope":
        envelope(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "dropdata":
        dropdata(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "sized":
        sized(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown command " + sys.argv[1])
