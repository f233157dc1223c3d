/*
 * mkzipcrypto - write a one-member ZIP encrypted with traditional PKWARE
 * encryption ("ZipCrypto"), stored (no compression), and print on stdout a
 * wrong password that passes ZipCrypto's one-byte password check for it.
 *   mkzipcrypto OUT.zip PASSWORD MEMBER-NAME CONTENT
 * The 12-byte encryption header is fixed (not random), so the file and the
 * printed password are the same on every run.  About one wrong password in
 * 256 passes the check byte; the member then decrypts to garbage and only
 * its CRC-32 shows that the password was wrong: the case a reader must still
 * call a wrong password.  Exit 1 if no such password was found (it is, in a
 * few hundred tries) or the file could not be written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIES_MAX 1000000

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_byte(uint32_t crc, unsigned char b)
{
	return crc_table[(crc ^ b) & 0xff] ^ (crc >> 8);
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--)
		c = crc_byte(c, *p++);
	return c ^ 0xffffffffu;
}

struct keys {
	uint32_t k0, k1, k2;
};

static void keys_update(struct keys *k, unsigned char p)
{
	k->k0 = crc_byte(k->k0, p);
	k->k1 = (k->k1 + (k->k0 & 0xff)) * 134775813u + 1;
	k->k2 = crc_byte(k->k2, (unsigned char)(k->k1 >> 24));
}

static void keys_init(struct keys *k, const char *pw)
{
	k->k0 = 0x12345678u;
	k->k1 = 0x23456789u;
	k->k2 = 0x34567890u;
	for (; *pw; pw++)
		keys_update(k, (unsigned char)*pw);
}

static unsigned char keys_stream(const struct keys *k)
{
	uint16_t t = (uint16_t)(k->k2 | 2);

	return (unsigned char)(((unsigned)t * (t ^ 1u)) >> 8);
}

static unsigned char encrypt_byte(struct keys *k, unsigned char p)
{
	unsigned char c = p ^ keys_stream(k);

	keys_update(k, p);
	return c;
}

static unsigned char decrypt_byte(struct keys *k, unsigned char c)
{
	unsigned char p = c ^ keys_stream(k);

	keys_update(k, p);
	return p;
}

static void le16(unsigned char **o, unsigned v)
{
	*(*o)++ = (unsigned char)v;
	*(*o)++ = (unsigned char)(v >> 8);
}

static void le32(unsigned char **o, uint32_t v)
{
	le16(o, v & 0xffff);
	le16(o, v >> 16);
}

/* the fields a local header and a central directory entry share, from
 * "version needed" to "extra field length": 2.0, encrypted, stored */
static void entry_fields(unsigned char **o, uint32_t crc, size_t clen, size_t nlen)
{
	le16(o, 20);
	le16(o, 1);
	le16(o, 0);
	le16(o, 0x6000); /* 12:00:00 */
	le16(o, 0x5a21); /* 2025-01-01 */
	le32(o, crc);
	le32(o, (uint32_t)(12 + clen));
	le32(o, (uint32_t)clen);
	le16(o, (unsigned)nlen);
	le16(o, 0);
}

int main(int argc, char **argv)
{
	const char *out, *pw, *name, *content;
	size_t nlen, clen, total;
	unsigned char *buf, *o, *enc, *cd;
	struct keys k;
	uint32_t crc;
	char wrong[32];
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: mkzipcrypto OUT.zip PASSWORD MEMBER-NAME CONTENT\n");
		return 2;
	}
	out = argv[1];
	pw = argv[2];
	name = argv[3];
	content = argv[4];
	nlen = strlen(name);
	clen = strlen(content);
	crc_init();
	crc = crc32_of((const unsigned char *)content, clen);
	total = 2 * (46 + nlen) + 12 + clen + 22;
	buf = calloc(1, total);
	if (buf == NULL)
		return 1;
	o = buf;
	/* local file header */
	le32(&o, 0x04034b50u);
	entry_fields(&o, crc, clen, nlen);
	memcpy(o, name, nlen);
	o += nlen;
	/* encryption header: 11 fixed bytes, then the check byte (CRC's high byte) */
	keys_init(&k, pw);
	enc = o;
	for (int i = 0; i < 11; i++)
		*o++ = encrypt_byte(&k, (unsigned char)(0x5a + 17 * i));
	*o++ = encrypt_byte(&k, (unsigned char)(crc >> 24));
	for (size_t i = 0; i < clen; i++)
		*o++ = encrypt_byte(&k, (unsigned char)content[i]);
	/* central directory */
	cd = o;
	le32(&o, 0x02014b50u);
	le16(&o, 20); /* version made by */
	entry_fields(&o, crc, clen, nlen);
	le16(&o, 0);  /* comment, disk, attributes, offset */
	le16(&o, 0);
	le16(&o, 0);
	le32(&o, 0);
	le32(&o, 0);
	memcpy(o, name, nlen);
	o += nlen;
	/* end of central directory */
	le32(&o, 0x06054b50u);
	le16(&o, 0);
	le16(&o, 0);
	le16(&o, 1);
	le16(&o, 1);
	le32(&o, (uint32_t)(o - cd - 12));
	le32(&o, (uint32_t)(cd - buf));
	le16(&o, 0);
	f = fopen(out, "wb");
	if (f == NULL || fwrite(buf, 1, (size_t)(o - buf), f) != (size_t)(o - buf) ||
	    fclose(f) != 0) {
		perror(out);
		return 1;
	}
	/* brute force: a password other than pw whose decrypted header ends
	 * with the check byte, and whose content then fails the CRC */
	for (long t = 0; t < TRIES_MAX; t++) {
		unsigned char last = 0, *plain;
		uint32_t c2;

		snprintf(wrong, sizeof(wrong), "wrong-%ld", t);
		if (strcmp(wrong, pw) == 0)
			continue;
		keys_init(&k, wrong);
		for (int i = 0; i < 12; i++)
			last = decrypt_byte(&k, enc[i]);
		if (last != (unsigned char)(crc >> 24))
			continue;
		plain = malloc(clen + 1);
		if (plain == NULL)
			return 1;
		for (size_t i = 0; i < clen; i++)
			plain[i] = decrypt_byte(&k, enc[12 + i]);
		c2 = crc32_of(plain, clen);
		free(plain);
		if (c2 == crc)
			continue;
		printf("%s\n", wrong);
		free(buf);
		return 0;
	}
	free(buf);
	fprintf(stderr, "no wrong password passes the check byte\n");
	return 1;
}
