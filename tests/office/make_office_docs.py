#!/usr/bin/env python3
"""Write flat OpenDocument sources (.fodt, .fods, .fodp) with Japanese text.

LibreOffice turns them into the real test documents (docx, doc, rtf, odt,
xlsx, pptx, ...): see make_office_docs.sh.  Every document carries the
marker strings the tests look for:
  本文: 無害化テスト文書です。住民票の写しを添付します。
  表:   課税台帳 / 令和八年度
  頁:   ヘッダー：総務課 / フッター：機密区分なし
  表計算: 住民税 (sheet 予算) / 12345 / 固定資産税 (sheet 歳入)
  スライド: 第一スライド：防災訓練のお知らせ / 第二スライド：避難所一覧

Usage: make_office_docs.py OUTDIR [--pages N]
"""
import os
import sys

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
      'xmlns:office2="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'office:version="1.3"')

FILLER = ('地方公共団体における情報セキュリティポリシーに関するガイドラインに基づき、'
          'インターネットから取り込むファイルは無害化してから庁内に取り込みます。')


def fodt(pages):
    body = ['<text:p text:style-name="P">無害化テスト文書です。住民票の写しを添付します。</text:p>',
            '<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>'
            '<table:table-row><table:table-cell><text:p>課税台帳</text:p></table:table-cell>'
            '<table:table-cell><text:p>令和八年度</text:p></table:table-cell></table:table-row>'
            '</table:table>']
    for p in range(1, pages):
        body.append('<text:p text:style-name="Break">第%d頁</text:p>' % (p + 1))
        body.extend('<text:p>%s</text:p>' % FILLER for _ in range(6))
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles><style:style style:name="Break" style:family="paragraph">
<style:paragraph-properties fo:break-before="page"/></style:style></office:styles>
<office:automatic-styles><style:page-layout style:name="PL"/></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PL">
<style:header><text:p>ヘッダー：総務課</text:p></style:header>
<style:footer><text:p>フッター：機密区分なし</text:p></style:footer>
</style:master-page></office:master-styles>
<office:body><office:text>
{"".join(body)}
</office:text></office:body></office:document>
'''


def fods():
    def row(*cells):
        out = []
        for c in cells:
            if isinstance(c, int):
                out.append(f'<table:table-cell office:value-type="float" office:value="{c}">'
                           f'<text:p>{c}</text:p></table:table-cell>')
            else:
                out.append(f'<table:table-cell office:value-type="string"><text:p>{c}</text:p>'
                           '</table:table-cell>')
        return '<table:table-row>' + ''.join(out) + '</table:table-row>'
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet>
<table:table table:name="予算">{row("税目", "金額")}{row("住民税", 12345)}</table:table>
<table:table table:name="歳入">{row("固定資産税", 67890)}</table:table>
</office:spreadsheet></office:body></office:document>
'''


def fodp():
    def slide(n, text):
        return (f'<draw:page draw:name="page{n}" draw:master-page-name="M">'
                '<draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm">'
                f'<draw:text-box><text:p>{text}</text:p></draw:text-box></draw:frame>'
                '</draw:page>')
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:master-styles><style:master-page style:name="M"/></office:master-styles>
<office:body><office:presentation>
{slide(1, "第一スライド：防災訓練のお知らせ")}{slide(2, "第二スライド：避難所一覧")}
</office:presentation></office:body></office:document>
'''


def main():
    out = sys.argv[1]
    pages = 1
    if len(sys.argv) > 3 and sys.argv[2] == '--pages':
        pages = int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    for name, text in (('doc.fodt', fodt(pages)), ('sheet.fods', fods()),
                       ('slides.fodp', fodp())):
        with open(os.path.join(out, name), 'w', encoding='utf-8') as f:
            f.write(text)


if __name__ == '__main__':
    main()
