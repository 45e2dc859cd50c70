// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel a run boots, and what results.json says of it ("kernel"): Debian's stock guest
 * kernel of the target's arch (set-up's), or with --kernel the user's: a built tree, an image
 * with --modules, or a linux-image .deb. vm/user-kernel.sh does the file work (identify, check,
 * unpack or install into the content-keyed cache, build tcelab.ko and the initramfs); here the
 * steps are ordered so that every refusal comes before any boot: the kernel's arch and
 * modules, then its configuration (kconfig.c), then tcelab.ko's build.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tcelab/timing.h>

#include "target.h"
#include "vm.h"
#include "lib/sha256.h"
#include "lib/util.h"

/* The steps' KEY=VALUE outputs (build/.user-kernel-PID.*), removed however the run ends. */
static char *env_files[2];

static void remove_env_files(void)
{
	if (env_files[0])
		unlink(env_files[0]);
	if (env_files[1])
		unlink(env_files[1]);
}

/* vm/user-kernel.sh STEP ARGS...; its error (already printed) ends the run with its status. */
static cJSON *user_kernel_step(const char *step, const char *const *args, int nargs,
			       const char *out)
{
	char *argv[8];
	int i, status;
	pid_t pid;
	cJSON *env;

	argv[0] = xasprintf("%s/vm/user-kernel.sh", tcelab_top());
	argv[1] = (char *)step;
	for (i = 0; i < nargs; i++)
		argv[2 + i] = (char *)args[i];
	argv[2 + nargs] = (char *)out;
	argv[3 + nargs] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (!pid) {
		/* Its progress and errors go to the user, like tcelab's own. */
		dup2(2, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		die("%s %s did not finish", argv[0], step);
	if (WEXITSTATUS(status))
		exit(WEXITSTATUS(status) == 2 ? TCELAB_EXIT_ERROR : WEXITSTATUS(status));
	env = read_env_file(out);
	if (!cJSON_GetObjectItem(env, "KERNEL_INITRAMFS") && !cJSON_GetObjectItem(env, "KERNEL_KEY"))
		die("%s %s wrote no %s", argv[0], step, out);
	free(argv[0]);
	return env;
}

static const char *env_str(const cJSON *env, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(env, key));

	return v ? v : "";
}

static void add_nonempty(cJSON *o, const char *name, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

/* Preflight: a kernel without what the target, its devices and the timing mode need never boots. */
static void check_config(const struct run *r, const char *config, const char *whose)
{
	char *notes, *missing;

	missing = kconfig_missing(config, r->t->name, r->timing, &notes);
	if (missing)
		die("%s configuration (%s) lacks what target %s with --timing %s needs:\n%sfix: "
		    "'tcelab kconfig --target %s --timing %s' prints the options to merge into the "
		    "kernel's .config; rebuild it with them", whose, config, r->t->name,
		    tcelab_timings[r->timing].name, missing, r->t->name, tcelab_timings[r->timing].name);
	if (notes)
		fprintf(stderr, "tcelab: note: %s (%s) lacks:\n%s", whose, config, notes);
	free(notes);
}

static char *config_sha256(const char *config)
{
	char hex[65];

	if (sha256_file(config, hex))
		die("cannot read %s: %m", config);
	return strdup(hex);
}

/* Debian's kernel of the target's arch, as set-up unpacked it under .cache/kernel/. */
static void stock_kernel(struct run *r)
{
	int x86 = !strcmp(r->arch, "x86_64");
	const char *abi = cJSON_GetStringValue(cJSON_GetObjectItem(r->versions,
								    x86 ? "X86_ABI" : "PPC_ABI"));
	const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(r->versions, x86 ?
				"X86_KERNEL_VERSION" : "PPC_KERNEL_VERSION"));
	char *config;

	if (!abi)
		die("no guest kernel recorded in .cache/versions.env: run 'make setup'");
	r->kernel = x86 ? xasprintf("%s/.cache/kernel/x86_64/vmlinux", tcelab_top()) :
		    xasprintf("%s/.cache/kernel/ppc64le/boot/vmlinux-%s", tcelab_top(), abi);
	r->initrd = xasprintf("%s/build/%s/initramfs.cpio", tcelab_top(), r->arch);
	if (!path_exists(r->kernel))
		die("missing guest kernel %s: run 'make setup' (make run does it)", r->kernel);
	if (!path_exists(r->initrd))
		die("missing %s: run 'make build' (make run does it)", r->initrd);
	config = xasprintf("%s/.cache/kernel/%s/boot/config-%s", tcelab_top(), r->arch, abi);
	check_config(r, config, "the guest kernel's");
	r->kernel_info = cJSON_CreateObject();
	cJSON_AddStringToObject(r->kernel_info, "form", "stock");
	cJSON_AddStringToObject(r->kernel_info, "release", abi);
	add_nonempty(r->kernel_info, "package_version", ver);
	cJSON_AddNullToObject(r->kernel_info, "git_describe");
	cJSON_AddStringToObject(r->kernel_info, "config", config);
	cJSON_AddStringToObject(r->kernel_info, "config_sha256", config_sha256(config));
	cJSON_AddStringToObject(r->kernel_info, "image", r->kernel);
	free(config);
}

/* --kernel PATH [--modules PATH]: the user's kernel, checked, cached, with its own tcelab.ko. */
static void user_kernel(struct run *r)
{
	const struct run_opts *o = r->o;
	char *prepared = xasprintf("%s/build/.user-kernel-%d.env", tcelab_top(), getpid());
	char *out = xasprintf("%s/build/.user-kernel-%d.built.env", tcelab_top(), getpid());
	const char *args[3] = { r->arch, o->kernel, o->modules ? o->modules : "-" };
	cJSON *env, *built, *k = cJSON_CreateObject();
	char *self;

	if (o->npatches || o->nrebuild)
		die("--patch and --rebuild rebuild modules of Debian's stock kernel from its source; "
		    "with --kernel, apply the patch to your kernel tree and give --kernel the tree");
	if (mkdir_p(xasprintf("%s/build", tcelab_top())))
		die("cannot create build/: %m");
	/* The script checks the configuration itself before it unpacks or builds anything. */
	self = realpath("/proc/self/exe", NULL);
	if (!self)
		die("cannot find the tcelab binary (/proc/self/exe): %m");
	setenv("TCELAB_KCONFIG", xasprintf("%s kconfig --target %s --timing %s", self, r->t->name,
					   tcelab_timings[r->timing].name), 1);
	env_files[0] = prepared;
	env_files[1] = out;
	atexit(remove_env_files);
	env = user_kernel_step("prepare", args, 3, prepared);
	check_config(r, env_str(env, "KERNEL_CONFIG"), "the kernel's");
	/* The initramfs step reads the prepared kernel's description back. */
	built = user_kernel_step("initramfs", (const char *const[]){ prepared }, 1, out);
	r->kernel = strdup(env_str(env, "KERNEL_IMAGE"));
	r->initrd = strdup(env_str(built, "KERNEL_INITRAMFS"));

	cJSON_AddStringToObject(k, "form", env_str(env, "KERNEL_FORM"));
	cJSON_AddStringToObject(k, "path", env_str(env, "KERNEL_PATH"));
	add_nonempty(k, "modules_path", env_str(env, "KERNEL_MODULES_PATH"));
	cJSON_AddStringToObject(k, "release", env_str(env, "KERNEL_RELEASE"));
	add_nonempty(k, "package_version", env_str(env, "KERNEL_PACKAGE_VERSION"));
	add_nonempty(k, "git_describe", env_str(env, "KERNEL_GIT_DESCRIBE"));
	cJSON_AddStringToObject(k, "config", env_str(env, "KERNEL_CONFIG"));
	cJSON_AddStringToObject(k, "config_sha256", env_str(env, "KERNEL_CONFIG_SHA256"));
	cJSON_AddStringToObject(k, "image", r->kernel);
	cJSON_AddStringToObject(k, "modules", env_str(env, "KERNEL_MODULES"));
	cJSON_AddStringToObject(k, "build_tree", env_str(env, "KERNEL_BUILD"));
	add_nonempty(k, "headers", env_str(env, "KERNEL_HEADERS"));
	cJSON_AddStringToObject(k, "cache_key", env_str(env, "KERNEL_KEY"));
	cJSON_AddStringToObject(k, "tcelab_ko", env_str(built, "KERNEL_TCELAB_KO"));
	cJSON_AddStringToObject(k, "initramfs", r->initrd);
	r->kernel_info = k;
	progress("kernel %s (%s %s), config sha256 %.12s, tcelab.ko built against it",
		 env_str(env, "KERNEL_RELEASE"), env_str(env, "KERNEL_FORM"),
		 *env_str(env, "KERNEL_GIT_DESCRIBE") ? env_str(env, "KERNEL_GIT_DESCRIBE") :
		 env_str(env, "KERNEL_PATH"), env_str(env, "KERNEL_CONFIG_SHA256"));
	cJSON_Delete(env);
	cJSON_Delete(built);
	free(prepared);
	free(out);
}

void run_select_kernel(struct run *r)
{
	if (r->o->kernel)
		user_kernel(r);
	else
		stock_kernel(r);
}

/* results.json "kernel": the kernel booted, and the patches its modules were rebuilt with. */
cJSON *run_kernel_record(const struct run *r)
{
	cJSON *k = cJSON_Duplicate(r->kernel_info, 1);
	const cJSON *p, *patches = cJSON_GetObjectItem(r->patch, "patches");
	cJSON *list = cJSON_AddArrayToObject(k, "patches");

	cJSON_ArrayForEach(p, patches) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")));
		cJSON_AddStringToObject(e, "sha256",
					cJSON_GetStringValue(cJSON_GetObjectItem(p, "sha256")));
		cJSON_AddItemToArray(list, e);
	}
	return k;
}
