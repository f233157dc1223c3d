/*
 * fuzz_mime_repack.c - mime-repack on the plans it can be given.
 *
 * An input starting with '{' is a plan as it stands, run over a directory
 * holding fixed artefacts a1 (UTF-8 text), a2 (HTML, which mime-repack
 * takes as the text html-text's mail form made of a body: it parses no
 * HTML), a3 (bytes); any
 * other input is a message: mime-unpack splits it, the plan is made from
 * its structure as the core would (".exe" removed, ".zip" held, the rest
 * released as it is; HTML as text or dropped by the first byte), and
 * mime-repack rebuilds it.  Both filters must answer within the contract
 * and, when the rebuild succeeds, out.eml must be CRLF only.
 */
#include "filter.h"
#include "fuzz_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int out_fd = -1;

static void put(const char *name, const char *data)
{
	int fd = openat(out_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		abort();
	close(fd);
}

static int memfd_of(const void *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void limits(struct filter_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_output_bytes = 8 << 20;
	lim->max_text_bytes = 1 << 20;
	lim->max_members = 100;
	lim->max_member_bytes = 4 << 20;
	lim->max_total_bytes = 16 << 20;
	lim->max_ratio = 100;
	lim->max_depth = 10;
	lim->max_containers = 256;
}

static void check(const struct filter_result *res)
{
	if (res->status < FILTER_OK || res->status > FILTER_FAILED ||
	    memchr(res->reason, '\0', sizeof(res->reason)) == NULL)
		abort();
}

static void plan_leaves(json_t *node, unsigned depth)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	size_t i;
	json_t *k;

	if (kind == NULL || depth > 64)
		return;
	if (strcmp(kind, "message") == 0) {
		plan_leaves(json_object_get(node, "body"), depth + 1);
	} else if (strcmp(kind, "multipart") == 0) {
		json_array_foreach(json_object_get(node, "children"), i, k)
			plan_leaves(k, depth + 1);
	} else {
		const char *name = json_string_value(json_object_get(node, "name"));
		const char *file = json_string_value(json_object_get(node, "file"));

		if (name != NULL && g_str_has_suffix(name, ".exe"))
			json_object_set_new(node, "removed", json_pack("[{s:s, s:s}]", "name", name,
				"reason", "blocked-type"));
		else if (name != NULL && g_str_has_suffix(name, ".zip"))
			json_object_set_new(node, "held", json_pack("[{s:s, s:s}]", "name", name,
				"reason", "encrypted"));
		else if (file != NULL)
			json_object_set_new(node, "artefacts", json_pack("[{s:s, s:s, s:s}]", "file",
				file, "name", name ? name : "x", "type", "application/octet-stream"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct filter_ops *unpack = filter_lookup("mime-unpack");
	const struct filter_ops *repack = filter_lookup("mime-repack");
	struct filter_limits lim;
	struct filter_result res;
	char *plan = NULL;
	int in;

	if (unpack == NULL || repack == NULL)
		abort();
	if (out_fd < 0) {
		char *dir = g_dir_make_tmp("mugai-fuzz-XXXXXX", NULL);

		out_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		g_free(dir);
		if (out_fd < 0)
			abort();
	}
	limits(&lim);
	if (size > 0 && data[0] == '{') {
		put("a1", "本文 http://example.jp/\n");
		put("a2", "<p>x<a href='https://e.example/'>l</a><script>s()</script></p>");
		put("a3", "\x01\x02\x03 bytes");
		plan = g_strndup((const char *)data, size);
	} else {
		json_t *root;
		char *s;

		in = memfd_of(data, size);
		memset(&res, 0, sizeof(res));
		if (unpack->run(in, out_fd, &lim, &res) != 0)
			abort();
		close(in);
		check(&res);
		s = res.status == FILTER_OK ? g_strdup("") : NULL;
		if (s != NULL) {
			int fd = openat(out_fd, "structure.json", O_RDONLY | O_CLOEXEC);
			GString *b = g_string_new(NULL);
			char buf[65536];
			ssize_t n;

			if (fd < 0)
				abort(); /* OK without its manifest: a broken contract */
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				g_string_append_len(b, buf, n);
			close(fd);
			root = json_loadb(b->str, b->len, 0, NULL);
			g_string_free(b, TRUE);
			if (root == NULL)
				abort();
			plan_leaves(root, 0);
			json_object_set_new(root, "options", json_pack("{s:s}", "html",
				size > 0 && (data[0] & 1) ? "drop" : "text"));
			plan = json_dumps(root, 0);
			json_decref(root);
			g_free(s);
		}
	}
	if (plan != NULL) {
		in = memfd_of(plan, strlen(plan));
		memset(&res, 0, sizeof(res));
		if (repack->run(in, out_fd, &lim, &res) != 0)
			abort();
		close(in);
		check(&res);
		if (res.status == FILTER_OK) {
			int fd = openat(out_fd, "out.eml", O_RDONLY | O_CLOEXEC);
			char buf[65536], prev = 0;
			ssize_t n;

			if (fd < 0)
				abort();
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				for (ssize_t i = 0; i < n; i++) {
					if (buf[i] == '\n' && prev != '\r')
						abort(); /* a bare LF in the rebuilt message */
					prev = buf[i];
				}
			close(fd);
		}
		g_free(plan);
	}
	fuzz_empty_dir(out_fd);
	return 0;
}
