/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file formats 'tcelab run --patch' reads and writes (vm/modpatch.c): unified diffs (which
 * files a patch touches), newc cpio archives (the initramfs: what it carries, and the archive
 * appended to it with the rebuilt modules) and kernel modules (.modinfo, build id).
 */
#ifndef TCELAB_MODFILES_H
#define TCELAB_MODFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The files a unified diff touches, as 'patch -p1' names them (first path component dropped;
 * the old name of a deleted file), each once, in order, malloc'd into @files. Their number
 * (0: not a patch), or -1 when there are more than @max.
 */
int diff_touched_files(const char *text, char **files, int max);

/*
 * Whether the newc archive(s) @a of @len bytes have a member @name ("lib/modules/x.ko"; a
 * leading "./" ignored): 1 or 0, -1 when @a is not such an archive.
 */
int cpio_has(const char *a, size_t len, const char *name);
/* One member of a newc archive: a regular file, mode 0644, owned by root. */
void cpio_add(FILE *f, unsigned int ino, const char *name, const void *data, size_t len);
/* The trailer that ends an archive (the kernel unpacks archives appended one after another). */
void cpio_end(FILE *f);

/* A module's .modinfo value (srcversion, vermagic, depends, ...), malloc'd; NULL if none. */
char *ko_modinfo(const void *elf, size_t len, const char *key);
/*
 * Its GNU build id in hex (the last bytes of /sys/module/NAME/notes/.note.gnu.build-id once
 * it is loaded, after the note's header), malloc'd; NULL if none.
 */
char *ko_build_id(const void *elf, size_t len);

#endif /* TCELAB_MODFILES_H */
