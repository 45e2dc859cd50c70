// SPDX-License-Identifier: GPL-2.0
/* Unified diffs, newc cpio archives and kernel modules, as 'tcelab run --patch' needs them. */
#define _GNU_SOURCE
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "modfiles.h"
#include "lib/util.h"

/* "a/drivers/x.c\t2024-..." -> "drivers/x.c"; NULL for /dev/null or a one-component name. */
static char *diff_path(const char *p)
{
	size_t len = strcspn(p, "\t\n");
	const char *slash;

	if (len == 9 && !strncmp(p, "/dev/null", 9))
		return NULL;
	slash = memchr(p, '/', len);
	if (!slash || slash + 1 == p + len)
		return NULL;
	return strndup(slash + 1, p + len - slash - 1);
}

int diff_touched_files(const char *text, char **files, int max)
{
	const char *line, *next;
	char *old = NULL, *path;
	int n = 0, i;

	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (!strncmp(line, "--- ", 4)) {
			free(old);
			old = diff_path(line + 4);
			continue;
		}
		if (strncmp(line, "+++ ", 4))
			continue;
		path = diff_path(line + 4);
		if (!path) {		/* a deleted file */
			path = old;
			old = NULL;
		}
		if (!path)
			continue;
		for (i = 0; i < n && strcmp(files[i], path); i++)
			;
		if (i < n) {
			free(path);
			continue;
		}
		if (n == max) {
			free(path);
			n = -1;
			break;
		}
		files[n++] = path;
	}
	free(old);
	return n;
}

/* --- newc cpio ------------------------------------------------------------------------------ */

#define NEWC_HEADER	110

static unsigned long newc_field(const char *h, int i)
{
	char field[9];

	memcpy(field, h + 6 + 8 * i, 8);
	field[8] = 0;
	return strtoul(field, NULL, 16);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int cpio_has(const char *a, size_t len, const char *name)
{
	size_t off = 0, namesize, filesize;
	const char *member;

	while (off + NEWC_HEADER <= len) {
		if (memcmp(a + off, "070701", 6))
			return -1;
		namesize = newc_field(a + off, 11);
		filesize = newc_field(a + off, 6);
		member = a + off + NEWC_HEADER;
		if (off + NEWC_HEADER + namesize > len || !namesize || member[namesize - 1])
			return -1;
		if (!strcmp(member, "TRAILER!!!")) {
			/* Another archive may follow, after zeros. */
			off = pad4(off + NEWC_HEADER + namesize);
			while (off < len && !a[off])
				off++;
			continue;
		}
		if (!strncmp(member, "./", 2))
			member += 2;
		if (!strcmp(member, name))
			return 1;
		off = pad4(pad4(off + NEWC_HEADER + namesize) + filesize);
	}
	return off == len ? 0 : -1;
}

static void newc_header(FILE *f, unsigned int ino, unsigned int mode, unsigned int nlink,
			size_t filesize, const char *name)
{
	static const char zeros[4];
	size_t namesize = strlen(name) + 1;

	fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino, mode,
		0, 0, nlink, 0, filesize, 0, 0, 0, 0, namesize, 0);
	fwrite(name, 1, namesize, f);
	fwrite(zeros, 1, pad4(NEWC_HEADER + namesize) - NEWC_HEADER - namesize, f);
}

void cpio_add(FILE *f, unsigned int ino, const char *name, const void *data, size_t len)
{
	static const char zeros[4];

	newc_header(f, ino, 0100644, 1, len, name);
	fwrite(data, 1, len, f);
	fwrite(zeros, 1, pad4(len) - len, f);
}

void cpio_end(FILE *f)
{
	newc_header(f, 0, 0, 1, 0, "TRAILER!!!");
}

/* --- kernel modules ------------------------------------------------------------------------- */

/* The section @name of a little-endian ELF64 relocatable, or NULL. */
static const char *elf_section(const void *elf, size_t len, const char *name, size_t *size)
{
	const Elf64_Ehdr *eh = elf;
	const Elf64_Shdr *sh, *strtab;
	int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > len || eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const Elf64_Shdr *)((const char *)elf + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		if (strtab->sh_offset + sh[i].sh_name >= len ||
		    strcmp((const char *)elf + strtab->sh_offset + sh[i].sh_name, name) ||
		    sh[i].sh_offset + sh[i].sh_size > len)
			continue;
		*size = sh[i].sh_size;
		return (const char *)elf + sh[i].sh_offset;
	}
	return NULL;
}

char *ko_modinfo(const void *elf, size_t len, const char *key)
{
	size_t size, off, klen = strlen(key);
	const char *info = elf_section(elf, len, ".modinfo", &size);

	for (off = 0; info && off < size; off += strnlen(info + off, size - off) + 1)
		if (!strncmp(info + off, key, klen) && info[off + klen] == '=')
			return strndup(info + off + klen + 1, size - off - klen - 1);
	return NULL;
}

char *ko_build_id(const void *elf, size_t len)
{
	size_t size, i, off;
	const unsigned char *note = (const unsigned char *)elf_section(elf, len,
								       ".note.gnu.build-id", &size);
	const Elf64_Nhdr *nh = (const Elf64_Nhdr *)note;
	char *hex;

	if (!note || size < sizeof(*nh) || nh->n_type != NT_GNU_BUILD_ID)
		return NULL;
	off = sizeof(*nh) + ((nh->n_namesz + 3) & ~3U);
	if (off + nh->n_descsz > size || !nh->n_descsz)
		return NULL;
	hex = malloc(2 * nh->n_descsz + 1);
	if (!hex)
		die("out of memory");
	for (i = 0; i < nh->n_descsz; i++)
		sprintf(hex + 2 * i, "%02x", note[off + i]);
	return hex;
}
