#!/usr/bin/env python3
"""Seed corpora of the mail harnesses (corpus/mime_unpack, corpus/mime_repack):
hand-made messages with the Japanese cases mime-unpack must get right, and
repack plans.  Run by make-corpus.py; usage: make-mail-corpus.py"""
import base64, os, shutil

here = os.path.dirname(os.path.abspath(__file__))


def msg(headers, body):
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def multipart(boundary, parts, ctype="multipart/mixed"):
    out = b""
    for h, b in parts:
        out += b"--" + boundary.encode() + b"\r\n" + "\r\n".join(h).encode() + b"\r\n\r\n" + b + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return ["MIME-Version: 1.0", 'Content-Type: %s; boundary="%s"' % (ctype, boundary)], out


jis = "①〜テスト 議事録".encode("cp932")
iso = b"\x1b$B-!!A%F%9%H\x1b(B"
name_2047 = "=?ISO-2022-JP?B?" + base64.b64encode("予算".encode("iso-2022-jp")).decode() + "?="
messages = {}
messages["plain.eml"] = msg(["From: a@example.jp", "To: b@example.jp", "Subject: hello"],
                            b"body line 1\r\nline 2\r\n")
messages["iso2022jp.eml"] = msg(["Subject: " + name_2047, "MIME-Version: 1.0",
                                 "Content-Type: text/plain; charset=ISO-2022-JP"], iso + b"\r\n")
messages["sjis-as-jis.eml"] = msg(["Subject: x", "Content-Type: text/plain; charset=iso-2022-jp",
                                   "Content-Transfer-Encoding: 8bit"], jis + b"\r\n")
h, b = multipart("b1", [
    (["Content-Type: text/plain; charset=shift_jis", "Content-Transfer-Encoding: base64"],
     base64.b64encode(jis)),
    (['Content-Type: text/csv; name="%s.csv"' % name_2047,
      "Content-Disposition: attachment;", " filename*0*=UTF-8''%E4%BA;", " filename*1*=%88%E7%AE%97.csv",
      "Content-Transfer-Encoding: base64"], base64.b64encode("①,1\r\n".encode("cp932"))),
    (["Content-Type: application/octet-stream", "Content-Disposition: attachment"], b""),
])
b = b.replace(b"Content-Disposition: attachment\r\n\r\n",
              b'Content-Disposition: attachment; filename="' + "請求書.exe".encode("cp932") + b'"\r\n\r\nMZ')
messages["japanese-mixed.eml"] = msg(["From: a@example.jp", "Subject: mixed", "X-Mugai-Sanitized: forged"] + h, b)
ih, ib = multipart("i", [
    (["Content-Type: text/plain; charset=utf-8"], "テキスト".encode()),
    (["Content-Type: text/html; charset=utf-8"],
     b"<html><script>x()</script><style>p{}</style><p><a href='http://e.example/a'>l</a></p></html>")],
    "multipart/alternative")
inner = msg(["From: c@example.jp", "Subject: inner"] + ih, ib)
oh, ob = multipart("o", [(["Content-Type: text/plain"], b"outer"),
                         (["Content-Type: message/rfc822"], inner),
                         (['Content-Type: application/zip; name="ppap.zip"',
                           "Content-Transfer-Encoding: base64"], base64.b64encode(b"PK\x03\x04"))])
messages["nested.eml"] = msg(["From: a@example.jp", "Subject: fwd"] + oh, ob)
deep = b"x\r\n"
for i in range(12):
    deep = ("--d%d\r\nContent-Type: multipart/mixed; boundary=d%d\r\n\r\n" % (i, i + 1)).encode() + deep
messages["deep.eml"] = msg(["Content-Type: multipart/mixed; boundary=d0"], deep)
messages["broken.eml"] = b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n=?x?B?==?=\r\n"
messages["headers-only.eml"] = b"Subject: =?UTF-8?B?5LqI566X?=\r\nFrom: x\r\n"
# texts at the most UTF-8 a byte makes (mugai/textcheck.h TEXTCHECK_MAX_GROWTH,
# checked by fuzz_filter): half-width katakana, 1 byte each, 3 in UTF-8
for name, cs, kana in (("halfwidth-kana-cp932.eml", "Shift_JIS", b"\xb1" * 1001),
                       ("halfwidth-kana-iso2022jp.eml", "ISO-2022-JP",
                        b"\x1b(I" + b"1" * 1000 + b"\x1b(B")):
    h, b = multipart("k1", [(["Content-Type: text/plain; charset=UTF-8"], b"x"),
                            (["Content-Type: text/plain; charset=%s; name=\"a.txt\"" % cs,
                              'Content-Disposition: attachment; filename="a.txt"',
                              "Content-Transfer-Encoding: base64"], base64.b64encode(kana))])
    messages[name] = msg(["From: a@example.jp", "Subject: kana"] + h, b)

plans = {
    "body.json": '{"version":1,"headers":[["Subject","s"],["X-Mugai-X","y"]],"body":{"kind":"leaf",'
                 '"role":"body","type":"text/plain","artefacts":[{"file":"a1"}]}}',
    "html.json": '{"version":1,"options":{"html":"text","subject_tag":"[無害化]"},"subject":"件名",'
                 '"headers":[["Subject","x"]],"body":{"kind":"multipart","type":"multipart/alternative",'
                 '"children":[{"kind":"leaf","role":"body","type":"text/html","artefacts":[{"file":"a2"}]}]}}',
    "mixed.json": '{"version":1,"job":"0123456789abcdef0123456789abcdef","body":{"kind":"multipart",'
                  '"type":"multipart/mixed","children":[{"kind":"leaf","role":"attachment","name":"予算.csv",'
                  '"artefacts":[{"file":"a3","name":"予算.csv","type":"text/csv"}]},{"kind":"leaf",'
                  '"role":"attachment","name":"請求書.exe","removed":[{"name":"請求書.exe","reason":"malware"}]},'
                  '{"kind":"leaf","role":"attachment","held":[{"name":"見積.zip","reason":"encrypted"}]},'
                  '{"kind":"message","headers":[["From","x"]],"body":{"kind":"leaf"}}]}}',
    "escape.json": '{"version":1,"body":{"kind":"leaf","role":"attachment","artefacts":[{"file":"../x"}]}}',
}

for h, items in (("mime_unpack", messages), ("mime_repack", dict(messages, **plans))):
    d = os.path.join(here, "corpus", h)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in items.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
