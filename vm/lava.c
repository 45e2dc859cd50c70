// SPDX-License-Identifier: GPL-2.0
/*
 * A run as a LAVA job (README "Fan-out"): the job definition that boots the target's kernel
 * and initramfs on LAVA's qemu device type, and, once LAVA has run it, the run it becomes.
 * Results still travel by a file: the job context's extra_options give QEMU the same virtio-9p
 * results share tcelab's own boot does (<job dir>/guest), so the verdict reads the same files.
 * LAVA's log gives only what the console showed, the QEMU command and the job's result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tcelab/schema.h>
#include <tcelab/timing.h>

#include "lavalog.h"
#include "target.h"
#include "vm.h"
#include "lib/json.h"
#include "lib/util.h"

/* What booted guests print when their job is done (vm/guest/init): LAVA's boot "prompt". */
#define JOB_DONE_PATTERN "tcelab-init: job [a-z0-9_-]+ exited [0-9]+"

/* LAVA's qemu device type names QEMU's architectures its own way (its context 'arch'). */
static const char *lava_arch(const char *arch)
{
	return strcmp(arch, "x86_64") ? "ppc64" : "amd64";
}

/* @s as a YAML single-quoted scalar. */
static char *yq(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 3), *p = out;

	if (!out)
		die("out of memory");
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'')
			*p++ = '\'';
		*p++ = *s;
	}
	*p++ = '\'';
	*p = 0;
	return out;
}

/* LAVA joins the QEMU command with spaces and splits it again: no path may hold a blank. */
static void check_plain_path(const char *what, const char *path)
{
	if (path[strcspn(path, " \t\"'\\")])
		die("%s '%s' has a blank or a quote, which LAVA's QEMU command line cannot carry: "
		    "use another directory", what, path);
}

struct lava_qemu {
	char *extra[64];	/* the job context's extra_options: "OPTION [VALUE]" */
	int nextra;
	const char *machine, *kernel, *initrd, *append;
};

/*
 * Split the target's own QEMU command into what LAVA's qemu device type owns (the binary, -m,
 * the console, which LAVA reads on stdio, the kernel, initramfs and command line, which its
 * deploy action downloads and substitutes) and the rest, passed as the job's extra_options.
 */
static void split_qemu_argv(const struct argv *a, struct lava_qemu *q)
{
	int i;

	for (i = 1; i < a->n; i++) {
		const char *opt = a->v[i], *val = i + 1 < a->n && a->v[i + 1][0] != '-' ?
						  a->v[i + 1] : NULL;

		if (val)
			i++;
		if (!strcmp(opt, "-m") || !strcmp(opt, "-display"))
			continue;
		if (!strcmp(opt, "-kernel"))
			q->kernel = val;
		else if (!strcmp(opt, "-initrd"))
			q->initrd = val;
		else if (!strcmp(opt, "-append"))
			q->append = val;
		else if (q->nextra == (int)(sizeof(q->extra) / sizeof(q->extra[0])))
			die("the target's QEMU command has more options than a LAVA job takes here");
		else if (!strcmp(opt, "-serial"))
			q->extra[q->nextra++] = strdup("-serial stdio");
		else
			q->extra[q->nextra++] = val ? xasprintf("%s %s", opt, val) : strdup(opt);
		if (!strcmp(opt, "-M"))
			q->machine = val;
	}
	if (!q->kernel || !q->initrd || !q->append)
		die("the target's QEMU command lacks -kernel, -initrd or -append");
}

static void write_job_yaml(const struct run *r, const struct lava_qemu *q, int mem_mb,
			   int timeout, const char *path)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int i;

	if (!f)
		die("cannot write %s: %s", tmp, strerror(errno));
	fprintf(f,
		"# tcelab run --target %s --job %s as a LAVA job (tcelab lava-job; README \"Fan-out\").\n"
		"# The results come back over virtio-9p into the share named in extra_options;\n"
		"# 'tcelab lava-collect' turns the finished job into a tcelab run directory.\n"
		"device_type: qemu\n"
		"job_name: %s\n"
		"priority: medium\n"
		"visibility: public\n"
		"timeouts:\n"
		"  job: {seconds: %d}\n"
		"  action: {seconds: %d}\n"
		"  connection: {minutes: 2}\n"
		"context:\n"
		"  arch: %s\n"
		"  machine: %s\n"
		"  memory: %d\n"
		"  # tcelab's timing modes measure under TCG (-icount): never KVM\n"
		"  no_kvm: true\n"
		"  extra_options:\n",
		r->t->name, r->o->job, yq(xasprintf("tcelab %s %s", r->t->name, r->o->job)),
		timeout + 300, timeout + 300, lava_arch(r->arch), yq(q->machine ? q->machine : ""),
		mem_mb);
	for (i = 0; i < q->nextra; i++)
		fprintf(f, "  - %s\n", yq(q->extra[i]));
	fprintf(f,
		"actions:\n"
		"- deploy:\n"
		"    to: tmpfs\n"
		"    images:\n"
		"      kernel:\n"
		"        image_arg: %s\n"
		"        url: %s\n"
		"      initrd:\n"
		"        image_arg: '-initrd {initrd}'\n"
		"        url: %s\n"
		"- boot:\n"
		"    method: qemu\n"
		"    media: tmpfs\n"
		"    timeout: {seconds: %d}\n"
		"    # no shell: the guest runs its job, prints this line and powers off\n"
		"    prompts:\n"
		"    - %s\n",
		yq(xasprintf("-kernel {kernel} -append \"%s\"", q->append)),
		yq(xasprintf("file://%s", q->kernel)), yq(xasprintf("file://%s", q->initrd)),
		timeout, yq(JOB_DONE_PATTERN));
	if (fclose(f) || rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
	free(tmp);
}

/* tcelab-job.json: what the collector needs to judge the run as 'tcelab run' would have. */
static void write_job_json(const struct run *r, int timeout, const char *path)
{
	const struct run_opts *o = r->o;
	struct json_writer *w = jw_open(path);

	if (!w)
		die("cannot write %s: %s", path, strerror(errno));
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_LAVA_JOB);
	jw_str(w, "target", o->target);
	jw_str(w, "job", o->job);
	jw_str(w, "timing", tcelab_timings[r->timing].name);
	jw_str(w, "suite", o->suite);
	jw_str(w, "backends", o->backends);
	jw_str(w, "append", o->append);
	jw_s64(w, "cpus", o->cpus);
	jw_s64(w, "timeout", timeout);
	jw_obj_end(w);
	if (jw_close(w))
		die("cannot write %s: %s", path, strerror(errno));
}

void lava_write_job(struct run *r, const char *job_dir)
{
	struct lava_qemu q = {};
	struct argv a = {};
	struct boot b;
	int timeout = r->o->timeout ? r->o->timeout : r->t->timeout;

	if (!r->t->arch)
		die("--target native runs on this host, not in a QEMU guest LAVA could boot");
	check_plain_path("the job directory", job_dir);
	if (!dir_is_empty(job_dir))
		die("%s exists and is not empty: a job's results would mix; name a new directory",
		    job_dir);
	r->share = xasprintf("%s/guest", job_dir);
	if (mkdir_p(r->share))
		die("cannot create %s: %s", r->share, strerror(errno));
	/* QEMU runs in LAVA's directory, not ours: every path in its command is absolute. */
	r->dir = realpath(job_dir, NULL);
	if (!r->dir)
		die("%s: %s", job_dir, strerror(errno));
	r->share = xasprintf("%s/guest", r->dir);
	r->console = "stdio";	/* split_qemu_argv() puts the console there, for LAVA */
	run_boot_params(r, &b);
	r->t->qemu_argv(r->t, &b, &a);
	split_qemu_argv(&a, &q);
	check_plain_path("the kernel", q.kernel);
	check_plain_path("the initramfs", q.initrd);
	if (strchr(q.append, '"'))
		die("--append '%s' has a double quote, which LAVA's -append \"...\" cannot carry",
		    r->o->append);
	write_job_yaml(r, &q, b.mem_mb, timeout, xasprintf("%s/job.yaml", job_dir));
	write_job_json(r, timeout, xasprintf("%s/tcelab-job.json", job_dir));
}

void lava_read_job(const char *job_dir, struct run_opts *o)
{
	char *path = xasprintf("%s/tcelab-job.json", job_dir), err[512];
	cJSON *doc = json_load(path, SCHEMA_LAVA_JOB, err, sizeof(err));
	const char *target, *job;

	if (!doc)
		die("%s: %s (a job directory is what 'tcelab lava-job --out DIR' wrote)", job_dir, err);
	target = json_str_at(doc, "target");
	job = json_str_at(doc, "job");
	if (!target || !job)
		die("%s names no target or job", path);
	o->target = strdup(target);
	o->job = strdup(job);
	o->timing = json_str_at(doc, "timing") ? strdup(json_str_at(doc, "timing")) : NULL;
	o->suite = json_str_at(doc, "suite") ? strdup(json_str_at(doc, "suite")) : NULL;
	o->backends = json_str_at(doc, "backends") ? strdup(json_str_at(doc, "backends")) : NULL;
	o->append = json_str_at(doc, "append") ? strdup(json_str_at(doc, "append")) : NULL;
	o->cpus = (int)json_num(doc, "cpus", 0);
	o->timeout = (int)json_num(doc, "timeout", 0);
	cJSON_Delete(doc);
	free(path);
}

/* cp -a @from/. @to: the share with its subdirectories. */
static void copy_tree(const char *from, const char *to)
{
	char *src = xasprintf("%s/.", from);
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execlp("cp", "cp", "-a", src, to, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("cannot copy %s to %s", from, to);
	free(src);
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *text = read_file(from, &len);
	FILE *f;

	if (!text)
		die("cannot read %s: %s", from, strerror(errno));
	f = fopen(to, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		die("cannot write %s: %s", to, strerror(errno));
	free(text);
}

static void read_log(const char *path, struct lava_log *l)
{
	char *text = read_file(path, NULL);

	if (!text)
		die("cannot read LAVA's log %s: %s (lava-run's output, or 'lavacli jobs logs --raw')",
		    path, strerror(errno));
	if (lava_log_parse(text, l))
		die("%s holds no result of a finished LAVA job: let lava-run finish (or the job "
		    "complete on the server) and collect its whole log", path);
	free(text);
}

void lava_collect(struct run *r, const char *job_dir, const char *log)
{
	char *share = xasprintf("%s/guest", job_dir), *lava_dir;
	struct lava_log l = {};

	read_log(log, &l);
	run_make_dir(r);
	lava_dir = xasprintf("%s/lava", r->dir);
	if (mkdir_p(lava_dir))
		die("cannot create %s: %s", lava_dir, strerror(errno));
	copy_tree(share, r->share);
	copy_file(xasprintf("%s/job.yaml", job_dir), xasprintf("%s/job.yaml", lava_dir));
	r->qemu_log = xasprintf("%s/lava.log", lava_dir);
	copy_file(log, r->qemu_log);
	if (write_file(r->console, l.console ?: ""))
		die("cannot write %s: %s", r->console, strerror(errno));
	if (l.qemu_command) {
		r->qemu_command = strdup(l.qemu_command);
		write_file(xasprintf("%s/qemu-cmdline.txt", r->dir), xasprintf("%s\n", l.qemu_command));
	}
	r->guest_seconds = l.boot_end > l.boot_start && l.boot_start ? l.boot_end - l.boot_start : 0;
	if (strcmp(l.result, "pass")) {
		if (l.error && strstr(l.error, "timed out"))
			r->timed_out = 1;
		else
			r->engine_error = l.error ? strndup(l.error, strcspn(l.error, "\n")) :
					  strdup("no error message");
	}
	r->engine = cJSON_CreateObject();
	cJSON_AddStringToObject(r->engine, "name", "lava-dispatcher");
	cJSON_AddStringToObject(r->engine, "version", l.version ?: "unknown");
	cJSON_AddStringToObject(r->engine, "device_type", "qemu");
	cJSON_AddStringToObject(r->engine, "job", "lava/job.yaml");
	cJSON_AddStringToObject(r->engine, "log", "lava/lava.log");
	cJSON_AddStringToObject(r->engine, "result", l.result);
	if (l.error)
		cJSON_AddStringToObject(r->engine, "error", l.error);
	cJSON_AddItemToObject(r->engine, "images", l.images);
	l.images = NULL;	/* now the engine's */
	cJSON_AddStringToObject(r->versions, "LAVA_DISPATCHER_VERSION", l.version ?: "unknown");
	progress("LAVA job %s (lava-dispatcher %s), guest ran %.1f s; results from %s", l.result,
		 l.version ?: "unknown", r->guest_seconds, share);
	lava_log_free(&l);
	free(share);
	free(lava_dir);
}
