/*
 * mkjapanese - a Japanese text document for the searchable-PDF tests.
 *   mkjapanese OUT.pdf [--pages N] [--vertical] [--scan DPI] [--text-out FILE]
 * Pages of horizontal Japanese prose (IPA Mincho, 12 pt, no spaces between
 * characters), or with --vertical one page set top to bottom in columns
 * from right to left.  With --scan the pages are rendered to an 8-bit
 * grayscale bitmap at DPI and the PDF holds nothing but those images (a
 * scanned document).  --text-out writes the text that was set, one line
 * per line, pages separated by a form feed.
 */
#include <cairo-pdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 64.0
#define SIZE 12.0
#define LEAD 20.0

/* written for these tests */
static const char *const prose[] = {
	"市民の皆様へのお知らせ",
	"令和六年度の住民税の申告受付を次のとおり行います。申告が必要な方は、期間内に市役所本庁舎二階の税務課窓口へお越しください。",
	"受付期間は二月十六日から三月十五日までの平日で、受付時間は午前九時から午後四時までです。土曜日と日曜日は受付を行いません。",
	"申告には、源泉徴収票、医療費の領収書、国民健康保険税の納付額が分かる書類、本人確認書類をお持ちください。",
	"郵送による申告も受け付けています。申告書は市のホームページから印刷できるほか、各支所の窓口でも配布しています。",
	"会場の混雑を避けるため、できるだけ公共交通機関をご利用ください。駐車場には限りがあります。",
	"障害のある方や日本語での手続きに不安のある方は、事前に税務課までご相談ください。通訳の手配も承ります。",
	"問い合わせ先は税務課市民税係で、電話番号は〇一二三の四五の六七八九です。",
};

static const char *const vertical[] = {
	"春の交通安全運動について",
	"四月六日から十五日まで春の全国交通安全運動が行われます。",
	"子どもと高齢者の交通事故防止を重点に市内各地で街頭指導を実施します。",
	"歩行者は道路を横断する前に左右の安全を確かめましょう。",
	"運転する方は横断歩道の手前では必ず速度を落としてください。",
	"夕暮れ時は早めに前照灯を点灯しましょう。",
};

static void utf8_chars(const char *s, GPtrArray *out)
{
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p))
		g_ptr_array_add(out, g_strndup(p, (gsize)(g_utf8_next_char(p) - p)));
}

/* set one page on cr; its text lines appended to text */
static void page_horizontal(cairo_t *cr, int page, int pages, GString *text)
{
	double y = MARGIN + SIZE;
	int per_line = (int)((PAGE_W - 2 * MARGIN) / SIZE);
	char head[64];

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "IPAMincho", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, SIZE);
	snprintf(head, sizeof(head), "ページ%d／%d", page, pages);
	cairo_move_to(cr, MARGIN, y);
	cairo_show_text(cr, head);
	g_string_append_printf(text, "%s\n", head);
	y += 2 * LEAD;
	for (size_t i = 0; i < G_N_ELEMENTS(prose); i++) {
		GPtrArray *chars = g_ptr_array_new_with_free_func(g_free);

		utf8_chars(prose[(i + (size_t)page - 1) % G_N_ELEMENTS(prose)], chars);
		for (guint k = 0; k < chars->len; k += (guint)per_line) {
			GString *line = g_string_new(NULL);

			for (guint j = k; j < chars->len && j < k + (guint)per_line; j++)
				g_string_append(line, chars->pdata[j]);
			cairo_move_to(cr, MARGIN, y);
			cairo_show_text(cr, line->str);
			g_string_append_printf(text, "%s\n", line->str);
			g_string_free(line, TRUE);
			y += LEAD;
		}
		y += LEAD / 2;
		g_ptr_array_free(chars, TRUE);
	}
}

static void page_vertical(cairo_t *cr, GString *text)
{
	double size = 16, x = PAGE_W - MARGIN - size, step = 30;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "IPAMincho", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	for (size_t i = 0; i < G_N_ELEMENTS(vertical); i++) {
		GPtrArray *chars = g_ptr_array_new_with_free_func(g_free);
		double y = MARGIN + size;

		utf8_chars(vertical[i], chars);
		for (guint j = 0; j < chars->len; j++) {
			if (y > PAGE_H - MARGIN) {
				g_string_append_c(text, '\n');
				x -= step;
				y = MARGIN + size;
			}
			cairo_move_to(cr, x, y);
			cairo_show_text(cr, chars->pdata[j]);
			g_string_append(text, chars->pdata[j]);
			y += size * 1.1;
		}
		g_string_append_c(text, '\n');
		x -= step * 1.5;
		g_ptr_array_free(chars, TRUE);
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL, *text_out = NULL;
	long pages = 1, dpi = 0;
	int vert = 0;
	GString *text = g_string_new(NULL);
	cairo_surface_t *pdf;
	cairo_t *cr;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pages") == 0 && i + 1 < argc)
			pages = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--scan") == 0 && i + 1 < argc)
			dpi = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--text-out") == 0 && i + 1 < argc)
			text_out = argv[++i];
		else if (strcmp(argv[i], "--vertical") == 0)
			vert = 1;
		else if (out == NULL)
			out = argv[i];
	}
	if (out == NULL || pages < 1 || pages > 1000 || dpi < 0 || dpi > 600) {
		fprintf(stderr, "usage: mkjapanese OUT.pdf [--pages N] [--vertical] [--scan DPI] "
				"[--text-out FILE]\n");
		return 2;
	}
	pdf = cairo_pdf_surface_create(out, PAGE_W, PAGE_H);
	cr = cairo_create(pdf);
	for (long p = 1; p <= pages; p++) {
		cairo_t *draw = cr;
		cairo_surface_t *bmp = NULL;
		int w = 0, h = 0;

		if (p > 1)
			g_string_append_c(text, '\f');
		if (dpi > 0) {
			/* the page as a scanner sees it: gray pixels, nothing else */
			w = (int)(PAGE_W * (double)dpi / 72.0);
			h = (int)(PAGE_H * (double)dpi / 72.0);
			bmp = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
			draw = cairo_create(bmp);
			cairo_set_source_rgb(draw, 1, 1, 1);
			cairo_paint(draw);
			cairo_scale(draw, (double)dpi / 72.0, (double)dpi / 72.0);
		}
		if (vert)
			page_vertical(draw, text);
		else
			page_horizontal(draw, (int)p, (int)pages, text);
		if (dpi > 0) {
			unsigned char *px;
			int stride;

			cairo_destroy(draw);
			cairo_surface_flush(bmp);
			px = cairo_image_surface_get_data(bmp);
			stride = cairo_image_surface_get_stride(bmp);
			/* to gray (cairo-pdf then writes a DeviceGray image) */
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					uint32_t *v = (uint32_t *)(void *)(px + (size_t)y * stride + 4 * x);
					uint32_t l = (((*v >> 16) & 255) * 30 + ((*v >> 8) & 255) * 59 +
						      (*v & 255) * 11) / 100;

					*v = (l << 16) | (l << 8) | l;
				}
			cairo_surface_mark_dirty(bmp);
			cairo_save(cr);
			cairo_scale(cr, 72.0 / (double)dpi, 72.0 / (double)dpi);
			cairo_set_source_surface(cr, bmp, 0, 0);
			cairo_paint(cr);
			cairo_restore(cr);
			cairo_surface_destroy(bmp);
		}
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(pdf);
	if (text_out != NULL && !g_file_set_contents(text_out, text->str, (gssize)text->len, NULL)) {
		fprintf(stderr, "mkjapanese: cannot write %s\n", text_out);
		return 1;
	}
	g_string_free(text, TRUE);
	return 0;
}
