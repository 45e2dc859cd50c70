// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab run --patch FILE / --rebuild FILE: the guest kernel's own modules, rebuilt out of tree
 * from the kernel's exact source (.cache/kernel-source/VERSION, vm/kernel-source.sh) with the
 * patches applied, against its headers, and booted in place of the distro's: the initramfs is
 * the built one followed by a second archive holding the rebuilt modules under the same names
 * (the kernel unpacks both, the later file wins) and etc/tcelab/patched, their list.
 *
 * Everything is decided on the host before the boot, and any problem stops the run there: a
 * source tree of another version than the kernel's, a file that is built into the kernel, not
 * built at all or not carried by the guest, a patch that does not apply (its rejects shown),
 * a build that fails, a module whose vermagic is not the kernel's. Rebuilds are cached in
 * build/patched/KEY, KEY a hash of the kernel, its source and the patches; a build happens in
 * a temporary directory renamed to KEY only when complete, and removed on any failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modfiles.h"
#include "target.h"
#include "vm.h"
#include "lib/sha256.h"
#include "lib/util.h"

#define MP_MAX		32
/* Part of every cache key: a change to how modules are rebuilt invalidates old rebuilds. */
#define MP_RECIPE	"tcelab-modpatch/1"

struct mp_module {
	char *name;		/* as its Makefile names it: vfio_iommu_spapr_tce, vfio-pci-core */
	char *dir;		/* the directory of that Makefile, relative to the tree */
	char *parts;		/* its objects relative to @dir, space-separated ("" for x.o alone) */
	char *sources;		/* the files of --patch or --rebuild it is rebuilt for */
	bool patched;		/* a patch touches it (else it is only rebuilt) */
};

/* A directory's Makefile evaluated with the kernel's configuration. */
struct mp_dir {
	char *dir;
	char *eval;		/* "y OBJ...", "m OBJ...", "c OBJ PART..." lines; NULL: no Makefile */
};

struct mp {
	struct run *r;
	const char *abi, *kver, *compiler, *karch, *cross;
	char *kdir, *moddir, *tree, *source;
	char *initramfs;
	size_t initramfs_len;
	struct mp_dir dirs[MP_MAX];
	int ndirs;
	struct mp_module mods[MP_MAX];
	int nmods;
	char *patches[MP_MAX];	/* --patch files, absolute ('patch -d' runs elsewhere) */
	char *copied;		/* directories copied into the work tree, space-separated */
	char *key, *cache, *work;
	double build_seconds;
};

/* The temporary build directory, removed if the run dies before it is renamed into the cache. */
static char *mp_work;

static void remove_work(void)
{
	if (mp_work)
		rm_rf(mp_work);
}

/* A command's exit status, its output (stdout and stderr) in *@out. */
static int run_cmd(const struct argv *a, char **out)
{
	char *cmd = xasprintf("%s 2>&1", argv_join(a)), buf[4096];
	size_t len = 0, n;
	FILE *p = popen(cmd, "r");
	int status;

	if (!p)
		die("cannot run %s: %s", a->v[0], strerror(errno));
	*out = strdup("");
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		*out = realloc(*out, len + n + 1);
		if (!*out)
			die("out of memory");
		memcpy(*out + len, buf, n);
		len += n;
		(*out)[len] = 0;
	}
	status = pclose(p);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (!p[len] || p[len] == ' ' || p[len] == '\n'))
			return true;
	return false;
}

/* The line of @eval that starts with @tag ("y ", "m "), without the tag: a static buffer. */
static const char *eval_line(const char *eval, const char *tag)
{
	static char line[65536];
	const char *p;

	for (p = eval; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, tag, strlen(tag))) {
			snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + strlen(tag), "\n"),
				 p + strlen(tag));
			return line;
		}
	return "";
}

/* --- the kernel, its source and its build configuration ------------------------------------- */

static const char *version_of(const struct mp *m, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(m->r->versions, key);

	if (!cJSON_IsString(v))
		die("no %s in .cache/versions.env: run 'make setup'", key);
	return v->valuestring;
}

/* The kernel's exact source, as vm/kernel-source.sh unpacked it; dies naming what to fetch. */
static void find_source(struct mp *m)
{
	const char *top = tcelab_top();
	char *stamp = xasprintf("%s/.cache/kernel-source/%s.stamp", top, m->kver);
	char *pkg = xasprintf("linux-source-%.*s", (int)(strchr(strchr(m->kver, '.') + 1, '.') -
							 m->kver), m->kver);
	char *text = read_file(stamp, NULL), *ver;

	if (!text)
		die("--patch rebuilds modules from the guest kernel's exact source, %s %s (the %s "
		    "kernel %s is package version %s), and .cache/kernel-source/ has none: run "
		    "'make setup' (vm/setup.sh fetches it with vm/kernel-source.sh: apt-get download "
		    "%s=%s, or apt-get source linux=%s when the archive has no such linux-source "
		    "any more)", pkg, m->kver, m->r->arch, m->abi, m->kver, pkg, m->kver, m->kver);
	text[strcspn(text, "\n")] = 0;
	ver = strchr(text, ' ');
	if (!ver || strncmp(ver + 1, m->kver, strlen(m->kver)) ||
	    (ver[1 + strlen(m->kver)] && ver[1 + strlen(m->kver)] != ' '))
		die("%s: the source is '%s', not the guest kernel's version %s: the module would not "
		    "be the kernel's; run 'make setup' to fetch %s %s", stamp, text, m->kver, pkg,
		    m->kver);
	m->source = text;
	m->tree = xasprintf("%s/.cache/kernel-source/%s", top, m->kver);
	free(stamp);
	free(pkg);
}

/* A directory's Makefile (or Kbuild) evaluated with the kernel's auto.conf, cached. */
static const char *dir_eval(struct mp *m, const char *dir)
{
	static const char *const prog =
		"include $(KCONF)\n"
		"include $(MK)\n"
		"$(info y $(filter %.o,$(obj-y)))\n"
		"$(info m $(filter %.o,$(obj-m)))\n"
		"$(foreach o,$(filter %.o,$(obj-y) $(obj-m)),"
		"$(info c $(o) $($(o:.o=-y)) $($(o:.o=-objs)) $($(o:.o=-m))))\n"
		"tcelab-eval: ;\n";
	struct argv a = {};
	char *mk, *evalmk, *out;
	int i;

	for (i = 0; i < m->ndirs; i++)
		if (!strcmp(m->dirs[i].dir, dir))
			return m->dirs[i].eval;
	if (m->ndirs == MP_MAX)
		die("--patch: the files touch more than %d directories", MP_MAX);
	m->dirs[m->ndirs].dir = strdup(dir);
	mk = xasprintf("%s/%s/Kbuild", m->tree, dir);
	if (!path_exists(mk)) {
		free(mk);
		mk = xasprintf("%s/%s/Makefile", m->tree, dir);
	}
	if (!path_exists(mk))
		return m->dirs[m->ndirs++].eval = NULL;
	evalmk = xasprintf("%s/eval.mk", m->work);
	if (!path_exists(evalmk) && write_file(evalmk, prog))
		die("cannot write %s: %s", evalmk, strerror(errno));
	argv_add(&a, "make");
	argv_add(&a, "-s");
	argv_add(&a, "-f");
	argv_add(&a, "%s", evalmk);
	argv_add(&a, "KCONF=%s/include/config/auto.conf", m->kdir);
	argv_add(&a, "MK=%s", mk);
	argv_add(&a, "srctree=%s", m->tree);
	argv_add(&a, "src=%s/%s", m->tree, dir);
	argv_add(&a, "obj=%s", dir);
	argv_add(&a, "ARCH=%s", m->karch);
	argv_add(&a, "tcelab-eval");
	if (run_cmd(&a, &out))
		die("cannot evaluate %s with the kernel's configuration:\n%s", mk, out);
	free(evalmk);
	free(mk);
	return m->dirs[m->ndirs++].eval = out;
}

/* The line of @dir's Makefile that names @obj, for the user: "obj-$(CONFIG_X) += x.o". */
static char *makefile_line(const struct mp *m, const char *dir, const char *obj)
{
	char *mk = xasprintf("%s/%s/Makefile", m->tree, dir), *text = read_file(mk, NULL), *p;

	for (p = text; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0)) {
		char *line = strndup(p, strcspn(p, "\n"));

		if (has_word(line, obj))
			return xasprintf("%s/Makefile: %s", dir, line + strspn(line, " \t"));
		free(line);
	}
	return xasprintf("%s/Makefile", dir);
}

static struct mp_module *add_module(struct mp *m, const char *dir, const char *obj,
				    const char *parts)
{
	char *name = strndup(obj, strlen(obj) - 2);
	int i;

	for (i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].dir, dir) && !strcmp(m->mods[i].name, name)) {
			free(name);
			return &m->mods[i];
		}
	if (m->nmods == MP_MAX)
		die("--patch: more than %d modules to rebuild", MP_MAX);
	m->mods[m->nmods] = (struct mp_module){ .name = name, .dir = strdup(dir),
						.parts = strdup(parts), .sources = strdup("") };
	return &m->mods[m->nmods++];
}

static void module_for(struct mp_module *mod, const char *file, bool patched)
{
	char *s;

	if (!has_word(mod->sources, file)) {
		s = xasprintf("%s%s%s", mod->sources, *mod->sources ? " " : "", file);
		free(mod->sources);
		mod->sources = s;
	}
	mod->patched |= patched;
}

/*
 * Where kbuild puts object @rel of directory @dir: 'y' built in, 'm' in a module (*@dir_out,
 * *@mod_obj, *@parts: the Makefile that makes it and the module's object and objects), 0
 * nowhere. Looks in @dir's Makefile, then its parents' (an object can be named from above).
 */
static int object_kind(struct mp *m, const char *dir, const char *rel, char **dir_out,
		       char **mod_obj, char **parts)
{
	char *d = strdup(dir), *r = strdup(rel), *slash, *next;
	const char *eval, *p;
	int kind = 0;

	for (;;) {
		eval = dir_eval(m, d);
		if (eval && (has_word(eval_line(eval, "y "), r) || has_word(eval_line(eval, "m "), r))) {
			kind = has_word(eval_line(eval, "m "), r) ? 'm' : 'y';
			*mod_obj = strdup(r);
			*parts = strdup("");
			break;
		}
		for (p = eval; p && *p && !kind; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			char *line = strndup(p, strcspn(p, "\n")), *obj, *rest;

			if (!strncmp(line, "c ", 2) && (rest = strchr(line + 2, ' ')) &&
			    has_word(rest + 1, r)) {
				obj = strndup(line + 2, rest - line - 2);
				kind = has_word(eval_line(eval, "m "), obj) ? 'm' : 'y';
				*mod_obj = obj;
				*parts = strdup(rest + 1 + strspn(rest + 1, " "));
			}
			free(line);
		}
		if (kind)
			break;
		slash = strrchr(d, '/');
		if (!slash)
			break;
		next = xasprintf("%s/%s", slash + 1, r);
		free(r);
		r = next;
		*slash = 0;
	}
	*dir_out = d;
	free(r);
	return kind;
}

static void classify_source(struct mp *m, const char *file, bool patched)
{
	char *dir = strndup(file, strrchr(file, '/') - file), *base = strrchr(file, '/') + 1;
	char *obj = xasprintf("%.*s.o", (int)(strrchr(base, '.') - base), base);
	char *mdir, *mobj, *parts;
	int kind = object_kind(m, dir, obj, &mdir, &mobj, &parts);

	if (!kind)
		die("%s is not built by the guest kernel (%s): no Makefile from %s up names %s with "
		    "its configuration", file, m->abi, dir, obj);
	if (kind == 'y')
		die("%s is built into the guest kernel (%s, with its .config): patching it needs a "
		    "kernel rebuild (patch your tree, boot it with --kernel); --patch rebuilds modules only",
		    file, makefile_line(m, mdir, mobj));
	module_for(add_module(m, mdir, mobj, parts), file, patched);
	free(dir);
	free(obj);
}

/* A header is rebuilt with the modules of its own directory, which must build nothing in. */
static void classify_header(struct mp *m, const char *file, bool patched)
{
	char *dir = strndup(file, strrchr(file, '/') - file), *list, *obj, *save = NULL;
	const char *eval = dir_eval(m, dir);
	int n = 0;

	if (eval && *eval_line(eval, "y "))
		die("%s is a header of %s, whose Makefile also builds into the kernel (%s): patching "
		    "it needs a kernel rebuild (patch your tree, boot it with --kernel)", file, dir,
		    eval_line(eval, "y "));
	list = strdup(eval ? eval_line(eval, "m ") : "");
	for (obj = strtok_r(list, " ", &save); obj; obj = strtok_r(NULL, " ", &save)) {
		char *mdir, *mobj, *parts;

		if (object_kind(m, dir, obj, &mdir, &mobj, &parts) == 'm') {
			module_for(add_module(m, mdir, mobj, parts), file, patched);
			n++;
		}
	}
	if (!n)
		die("%s is a header outside any module's directory (%s builds no module): patching "
		    "it needs a kernel rebuild (patch your tree, boot it with --kernel)", file, dir);
	free(list);
	free(dir);
}

static void classify(struct mp *m, const char *file, bool patched)
{
	const char *dot = strrchr(file, '.');
	char *path = xasprintf("%s/%s", m->tree, file);

	if (!strchr(file, '/') || strstr(file, "../") || !path_exists(path))
		die("%s is not a file of the kernel's source (%s, .cache/kernel-source/%s)", file,
		    m->source, m->kver);
	if (dot && (!strcmp(dot, ".c") || !strcmp(dot, ".S")))
		classify_source(m, file, patched);
	else if (dot && !strcmp(dot, ".h"))
		classify_header(m, file, patched);
	else
		die("%s is neither a C or assembly source nor a header: --patch rebuilds modules, "
		    "and a change to a Makefile, a Kconfig or another file needs a kernel rebuild "
		    "(patch your tree, boot it with --kernel)", file);
	free(path);
}

/* --- the modules: the distro's, the guest's, the rebuilt ones ------------------------------- */

/* "vfio-pci-core" -> "vfio_pci_core": the name the kernel and the initramfs use. */
static char *mod_name(const char *name)
{
	char *s = strdup(name), *p;

	for (p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

static char *distro_ko(const struct mp *m, const struct mp_module *mod)
{
	return xasprintf("%s/kernel/%s/%s.ko", m->moddir, mod->dir, mod->name);
}

/* The guest's initramfs carries the module (vm/mkinitramfs.sh picks them); dies if not. */
static void check_carried(const struct mp *m, const char *name, const char *why)
{
	char *member = xasprintf("lib/modules/%s.ko", name);
	int has = cpio_has(m->initramfs, m->initramfs_len, member);

	if (has < 0)
		die("%s is not a newc cpio archive: run 'make build'", m->r->initrd);
	if (!has)
		die("%s, which no guest job would load: the guest's initramfs carries only the "
		    "modules vm/mkinitramfs.sh picks", why);
	free(member);
}

static char *read_ko(const char *path, size_t *len)
{
	char *ko = read_file(path, len);

	if (!ko)
		die("cannot read %s: %s", path, strerror(errno));
	return ko;
}

/*
 * What results.json records of a rebuilt module (in @dir), checked: the kernel's vermagic, a
 * build id, the distro's srcversion when no patch touches it (modules with a MODULE_VERSION
 * have one: Debian does not set MODULE_SRCVERSION_ALL), and dependencies the guest has.
 */
static cJSON *module_record(const struct mp *m, const struct mp_module *mod, const char *dir)
{
	char *file = xasprintf("%s/%s.ko", dir, mod->name), *distro = distro_ko(m, mod);
	size_t len, dlen;
	char *ko = read_ko(file, &len), *dko = read_ko(distro, &dlen);
	char *srcversion = ko_modinfo(ko, len, "srcversion");
	char *dsrcversion = ko_modinfo(dko, dlen, "srcversion");
	char *vermagic = ko_modinfo(ko, len, "vermagic"), *dvermagic = ko_modinfo(dko, dlen, "vermagic");
	char *depends = ko_modinfo(ko, len, "depends"), *save = NULL, *dep;
	char *build_id = ko_build_id(ko, len), *name = mod_name(mod->name);
	cJSON *rec = cJSON_CreateObject();

	if (!vermagic || !dvermagic || strcmp(vermagic, dvermagic))
		die("the rebuilt %s has vermagic '%s', the kernel's modules '%s': it would not load",
		    file, vermagic ?: "none", dvermagic ?: "none");
	if (!build_id)
		die("the rebuilt %s has no build id", file);
	if (!mod->patched && (!srcversion != !dsrcversion ||
			      (srcversion && strcmp(srcversion, dsrcversion))))
		die("%s, rebuilt from %s without a patch, has srcversion %s and the distro's %s: "
		    "the source is not the kernel's", file, m->source, srcversion ?: "none",
		    dsrcversion ?: "none");
	for (dep = strtok_r(depends ?: "", ",", &save); dep; dep = strtok_r(NULL, ",", &save))
		check_carried(m, mod_name(dep), xasprintf("the rebuilt %s.ko depends on %s", name,
							  dep));
	cJSON_AddStringToObject(rec, "name", name);
	cJSON_AddStringToObject(rec, "file", xasprintf("%s/%s.ko", m->cache, mod->name));
	cJSON_AddStringToObject(rec, "replaces", distro);
	cJSON_AddStringToObject(rec, "sources", mod->sources);
	cJSON_AddBoolToObject(rec, "patched", mod->patched);
	if (srcversion)
		cJSON_AddStringToObject(rec, "srcversion", srcversion);
	else
		cJSON_AddNullToObject(rec, "srcversion");
	if (dsrcversion)
		cJSON_AddStringToObject(rec, "distro_srcversion", dsrcversion);
	else
		cJSON_AddNullToObject(rec, "distro_srcversion");
	cJSON_AddStringToObject(rec, "vermagic", vermagic);
	cJSON_AddStringToObject(rec, "build_id", build_id);
	free(ko);
	free(dko);
	return rec;
}

/* --- the rebuild ------------------------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = read_file(from, &len);
	FILE *f;

	if (!data)
		die("cannot read %s: %s", from, strerror(errno));
	f = fopen(to, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		die("cannot write %s: %s", to, strerror(errno));
	free(data);
}

/* The regular files of @dir (only its headers if @headers) from the tree into @src, once. */
static void copy_dir(struct mp *m, const char *dir, const char *src, bool headers)
{
	char *from = xasprintf("%s/%s", m->tree, dir), *to = xasprintf("%s/%s", src, dir), *s;
	struct dirent **names;
	struct stat st;
	int n, i;

	if (has_word(m->copied, dir))
		return;
	if (!headers) {
		s = xasprintf("%s %s", m->copied, dir);
		free(m->copied);
		m->copied = s;
	}
	n = scandir(from, &names, NULL, alphasort);
	if (n < 0 || mkdir_p(to))
		die("cannot copy %s to %s: %s", from, to, strerror(errno));
	for (i = 0; i < n; i++) {
		char *f = xasprintf("%s/%s", from, names[i]->d_name);
		const char *dot = strrchr(names[i]->d_name, '.');

		if (!stat(f, &st) && S_ISREG(st.st_mode) && (!headers || (dot && !strcmp(dot, ".h"))))
			copy_file(f, xasprintf("%s/%s", to, names[i]->d_name));
		free(f);
		free(names[i]);
	}
	free(names);
	free(from);
	free(to);
}

/*
 * A module's sources into @src, at their paths in the tree: its directory, the directories of
 * its objects named from there (sub/x.o), and the headers of every directory above them
 * (#include "../x.h").
 */
static void copy_module_sources(struct mp *m, const struct mp_module *mod, const char *src)
{
	char *parts = xasprintf("%s.o %s", mod->name, mod->parts), *save = NULL, *p, *dir, *slash;

	for (p = strtok_r(parts, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		dir = strrchr(p, '/') ? xasprintf("%s/%.*s", mod->dir, (int)(strrchr(p, '/') - p), p)
				      : strdup(mod->dir);
		copy_dir(m, dir, src, false);
		while ((slash = strrchr(dir, '/'))) {
			*slash = 0;
			copy_dir(m, dir, src, true);
		}
		free(dir);
	}
	free(parts);
}

/* Exactly: offsets are fine, fuzz is not (a hunk applied elsewhere would go unnoticed). */
static void apply_patch(const struct mp *m, const char *patch, const char *src, FILE *log)
{
	struct argv a = {};
	char *out, *rejects;

	argv_add(&a, "patch");
	argv_add(&a, "-p1");
	argv_add(&a, "--batch");
	argv_add(&a, "--forward");
	argv_add(&a, "--fuzz=0");
	argv_add(&a, "--no-backup-if-mismatch");
	argv_add(&a, "-d");
	argv_add(&a, "%s", src);
	argv_add(&a, "-i");
	argv_add(&a, "%s", patch);
	if (!run_cmd(&a, &out)) {
		fprintf(log, "$ %s\n%s", argv_join(&a), out);
		free(out);
		return;
	}
	a = (struct argv){};
	argv_add(&a, "find");
	argv_add(&a, "%s", src);
	argv_add(&a, "-name");
	argv_add(&a, "*.rej");
	argv_add(&a, "-exec");
	argv_add(&a, "cat");
	argv_add(&a, "{}");
	argv_add(&a, "+");
	run_cmd(&a, &rejects);
	die("%s does not apply to the guest kernel's source (%s):\n%s%s%s", patch, m->source, out,
	    *rejects ? "rejects:\n" : "", rejects);
}

/* One kbuild run for the modules of @dir: its Makefile, with only those modules to make. */
static void build_dir(const struct mp *m, const char *dir, const char *src, FILE *log)
{
	char *mdir = xasprintf("%s/%s", src, dir), *kbuild = xasprintf("%s/Kbuild", mdir);
	char *orig = xasprintf("%s/Makefile", mdir), *objs = strdup(""), *text, *out;
	struct argv a = {};
	int i;

	if (path_exists(kbuild))
		orig = kbuild;
	if (rename(orig, xasprintf("%s/tcelab-orig.mk", mdir)))
		die("cannot rename %s: %s", orig, strerror(errno));
	for (i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].dir, dir))
			objs = xasprintf("%s %s.o", objs, m->mods[i].name);
	text = xasprintf("# tcelab run --patch: %s's Makefile, making only%s\n"
			 "include $(src)/tcelab-orig.mk\n"
			 "obj-y :=\nobj-m :=%s\nsubdir-y :=\nsubdir-m :=\nlib-y :=\n"
			 "always-y :=\nextra-y :=\nhostprogs :=\nuserprogs :=\n", dir, objs, objs);
	if (write_file(xasprintf("%s/Kbuild", mdir), text))
		die("cannot write %s/Kbuild: %s", mdir, strerror(errno));
	argv_add(&a, "make");
	argv_add(&a, "-C");
	argv_add(&a, "%s", m->kdir);
	argv_add(&a, "M=%s", mdir);
	argv_add(&a, "ARCH=%s", m->karch);
	if (*m->cross)
		argv_add(&a, "CROSS_COMPILE=%s", m->cross);
	argv_add(&a, "-j2");
	argv_add(&a, "modules");
	i = run_cmd(&a, &out);
	fprintf(log, "$ %s\n%s", argv_join(&a), out);
	if (i)
		die("the rebuild of%s failed (make -C %s M=%s):\n%s", objs, m->kdir, mdir,
		    tail_lines(out, 40));
	free(out);
	free(text);
}

/* The rebuilt module, without debug information as Debian installs its own. */
static void install_module(const struct mp *m, const struct mp_module *mod, const char *src,
			   const char *out)
{
	struct argv a = {};
	char *res;

	argv_add(&a, "%sstrip", m->cross);
	argv_add(&a, "--strip-debug");
	argv_add(&a, "-o");
	argv_add(&a, "%s/%s.ko", out, mod->name);
	argv_add(&a, "%s/%s/%s.ko", src, mod->dir, mod->name);
	if (run_cmd(&a, &res))
		die("cannot strip %s/%s.ko: %s", mod->dir, mod->name, res);
	free(res);
}

/* Rebuilt and checked in the work directory, then renamed into the cache: its records. */
static cJSON *rebuild(struct mp *m, const struct run_opts *o)
{
	char *src = xasprintf("%s/src", m->work), *out = xasprintf("%s/out", m->work);
	char *logpath = xasprintf("%s/build.log", out);
	double start = now_seconds();
	cJSON *records = cJSON_CreateArray();
	FILE *log;
	int i, j;

	if (mkdir_p(out) || !(log = fopen(logpath, "w")))
		die("cannot create %s: %s", out, strerror(errno));
	for (i = 0; i < m->nmods; i++)
		copy_module_sources(m, &m->mods[i], src);
	for (i = 0; i < o->npatches; i++)
		apply_patch(m, m->patches[i], src, log);
	for (i = 0; i < m->nmods; i++) {
		for (j = 0; j < i && strcmp(m->mods[j].dir, m->mods[i].dir); j++)
			;
		if (j == i)
			build_dir(m, m->mods[i].dir, src, log);
	}
	for (i = 0; i < m->nmods; i++) {
		install_module(m, &m->mods[i], src, out);
		cJSON_AddItemToArray(records, module_record(m, &m->mods[i], out));
	}
	m->build_seconds = now_seconds() - start;
	fprintf(log, "rebuilt in %.1f s\n", m->build_seconds);
	fclose(log);
	if (rename(out, m->cache) && !path_exists(m->cache))
		die("cannot rename %s to %s: %s", out, m->cache, strerror(errno));
	progress("rebuilt in %.1f s into %s", m->build_seconds, m->cache);
	free(src);
	free(out);
	free(logpath);
	return records;
}

/* --- the key, the initramfs, the record ----------------------------------------------------- */

static void cache_key(struct mp *m, const struct run_opts *o, cJSON *patches)
{
	struct sha256 key;
	char hex[65];
	int i;

	sha256_init(&key);
	sha256_update(&key, MP_RECIPE "\n", strlen(MP_RECIPE) + 1);
	sha256_update(&key, m->abi, strlen(m->abi) + 1);
	sha256_update(&key, m->kver, strlen(m->kver) + 1);
	sha256_update(&key, m->source, strlen(m->source) + 1);
	sha256_update(&key, m->compiler, strlen(m->compiler) + 1);
	for (i = 0; i < o->npatches; i++) {
		cJSON *p = cJSON_CreateObject();

		if (sha256_file(o->patches[i], hex))
			die("--patch %s: %s", o->patches[i], strerror(errno));
		sha256_update(&key, "patch ", 6);
		sha256_update(&key, hex, 64);
		cJSON_AddStringToObject(p, "file", o->patches[i]);
		cJSON_AddStringToObject(p, "name", strrchr(o->patches[i], '/') ?
					strrchr(o->patches[i], '/') + 1 : o->patches[i]);
		cJSON_AddStringToObject(p, "sha256", hex);
		cJSON_AddItemToArray(patches, p);
	}
	for (i = 0; i < o->nrebuild; i++) {
		sha256_update(&key, "rebuild ", 8);
		sha256_update(&key, o->rebuild[i], strlen(o->rebuild[i]) + 1);
	}
	sha256_hex(&key, hex);
	m->key = strndup(hex, 20);
	m->cache = xasprintf("%s/build/patched/%s", tcelab_top(), m->key);
}

/*
 * The initramfs to boot: the built one, then an archive of the rebuilt modules (same names,
 * so they replace the distro's) and etc/tcelab/patched ("NAME BUILD-ID" lines), from which
 * vm/guest/finish reports what the kernel ended up running.
 */
static char *write_initramfs(const struct mp *m, cJSON *modules)
{
	char *path = xasprintf("%s/build/patched/initramfs-%s-%s.cpio", tcelab_top(), m->r->arch,
			       m->key), *tmp = xasprintf("%s.tmp", path), *list = strdup("");
	const cJSON *mod;
	unsigned int ino = 1;
	FILE *f = fopen(tmp, "w");

	if (!f || fwrite(m->initramfs, 1, m->initramfs_len, f) != m->initramfs_len)
		die("cannot write %s: %s", tmp, strerror(errno));
	cJSON_ArrayForEach(mod, modules) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(mod, "name"));
		const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(mod, "file"));
		size_t len;
		char *ko = read_ko(file, &len), *member = xasprintf("lib/modules/%s.ko", name), *l;

		cpio_add(f, ino++, member, ko, len);
		l = xasprintf("%s%s %s\n", list, name,
			      cJSON_GetStringValue(cJSON_GetObjectItem(mod, "build_id")));
		free(list);
		list = l;
		free(member);
		free(ko);
	}
	cpio_add(f, ino++, "etc/tcelab/patched", list, strlen(list));
	cpio_end(f);
	if (fclose(f) || rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
	free(list);
	free(tmp);
	return path;
}

/* The modules the files of the patches and of --rebuild belong to; dies for any other file. */
static void find_modules(struct mp *m, const struct run_opts *o)
{
	char *files[MP_MAX];
	int i, j, n;

	for (i = 0; i < o->npatches; i++) {
		char *text = read_file(o->patches[i], NULL);

		m->patches[i] = realpath(o->patches[i], NULL);
		if (!text || !m->patches[i])
			die("--patch %s: %s", o->patches[i], strerror(errno));
		n = diff_touched_files(text, files, MP_MAX);
		if (n < 0)
			die("--patch %s touches more than %d files", o->patches[i], MP_MAX);
		if (!n)
			die("--patch %s: not a unified diff (no '--- a/FILE' and '+++ b/FILE' lines)",
			    o->patches[i]);
		for (j = 0; j < n; j++)
			classify(m, files[j], true);
		free(text);
	}
	for (i = 0; i < o->nrebuild; i++)
		classify(m, o->rebuild[i], false);
	for (i = 0; i < m->nmods; i++) {
		char *distro = distro_ko(m, &m->mods[i]), *name = mod_name(m->mods[i].name);

		if (!path_exists(distro))
			die("%s builds %s.ko, which the distro's kernel does not have (%s)",
			    m->mods[i].sources, m->mods[i].name, distro);
		check_carried(m, name, xasprintf("%s is in %s.ko", m->mods[i].sources, name));
		free(distro);
		free(name);
	}
}

void run_patch_modules(struct run *r)
{
	const struct run_opts *o = r->o;
	struct mp m = { .r = r, .copied = strdup("") };
	cJSON *patches = cJSON_CreateArray(), *modules;
	const cJSON *mod;
	bool cached;
	int i;

	if (!o->npatches && !o->nrebuild)
		return;
	if (!r->kernel)
		die("--patch and --rebuild replace modules of a guest kernel: they need a QEMU "
		    "target, not native");
	if (!strcmp(r->arch, "ppc64le")) {
		m.abi = version_of(&m, "PPC_ABI");
		m.kver = version_of(&m, "PPC_KERNEL_VERSION");
		m.compiler = version_of(&m, "GCC_PPC64LE_VERSION");
		m.karch = "powerpc";
		m.cross = "powerpc64le-linux-gnu-";
	} else {
		m.abi = version_of(&m, "X86_ABI");
		m.kver = version_of(&m, "X86_KERNEL_VERSION");
		m.compiler = version_of(&m, "GCC_VERSION");
		m.karch = "x86";
		m.cross = "";
	}
	m.kdir = xasprintf("%s/.cache/kernel/%s/usr/src/linux-headers-%s", tcelab_top(), r->arch,
			   m.abi);
	m.moddir = xasprintf("%s/.cache/kernel/%s/lib/modules/%s", tcelab_top(), r->arch, m.abi);
	find_source(&m);
	m.initramfs = read_file(r->initrd, &m.initramfs_len);
	if (!m.initramfs)
		die("cannot read %s: %s", r->initrd, strerror(errno));

	/* The work directory goes, whatever dies below; a finished rebuild is renamed out of it. */
	m.work = mp_work = xasprintf("%s/build/patched/.work-%d", tcelab_top(), getpid());
	rm_rf(m.work);
	if (mkdir_p(m.work))
		die("cannot create %s: %s", m.work, strerror(errno));
	atexit(remove_work);

	find_modules(&m, o);
	cache_key(&m, o, patches);
	cached = path_exists(m.cache);
	if (cached) {
		progress("rebuilt modules cached in %s", m.cache);
		modules = cJSON_CreateArray();
		for (i = 0; i < m.nmods; i++)
			cJSON_AddItemToArray(modules, module_record(&m, &m.mods[i], m.cache));
	} else {
		modules = rebuild(&m, o);
	}
	rm_rf(m.work);
	mp_work = NULL;
	cJSON_ArrayForEach(mod, modules)
		progress("%s.ko %s (%s): build id %s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(mod, "name")),
			 cJSON_IsTrue(cJSON_GetObjectItem(mod, "patched")) ? "patched" :
			 "rebuilt unpatched", cJSON_GetStringValue(cJSON_GetObjectItem(mod, "sources")),
			 cJSON_GetStringValue(cJSON_GetObjectItem(mod, "build_id")));

	r->patch = cJSON_CreateObject();
	cJSON_AddStringToObject(r->patch, "source", m.source);
	cJSON_AddStringToObject(r->patch, "kernel_release", m.abi);
	cJSON_AddStringToObject(r->patch, "kernel_version", m.kver);
	cJSON_AddItemToObject(r->patch, "patches", patches);
	cJSON_AddStringToObject(r->patch, "cache", m.cache);
	cJSON_AddBoolToObject(r->patch, "cached", cached);
	if (!cached)
		cJSON_AddNumberToObject(r->patch, "build_seconds", m.build_seconds);
	cJSON_AddItemToObject(r->patch, "modules", modules);
	r->initrd = write_initramfs(&m, modules);
	cJSON_AddStringToObject(r->patch, "initramfs", r->initrd);
	free(m.initramfs);
}
