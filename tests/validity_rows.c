// SPDX-License-Identifier: GPL-2.0
/* The validity tables' shared parts and their main() (tests/validity_rows.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tcelab/exit_codes.h>
#include <tcelab/schema.h>

#include "lib/util.h"
#include "validity_rows.h"

#define MAX_KINDS	64
#define MAX_ROWS	32

static int kind_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_sorted(char **kinds, int n)
{
	char *out = strdup(""), *s;
	int i;

	qsort(kinds, n, sizeof(*kinds), kind_cmp);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(kinds[i], kinds[i - 1]))
			continue;
		s = xasprintf("%s%s%s", out, *out ? "," : "", kinds[i]);
		free(out);
		out = s;
	}
	return out;
}

char *validity_sorted_kinds(const char *list)
{
	char *copy = strdup(strcmp(list, "-") ? list : ""), *kinds[MAX_KINDS], *save = NULL, *k;
	int n = 0;

	for (k = strtok_r(copy, ",", &save); k && n < MAX_KINDS; k = strtok_r(NULL, ",", &save))
		kinds[n++] = k;
	k = join_sorted(kinds, n);
	free(copy);
	return k;
}

/* The failure kinds of a run's results.json, sorted and comma-separated. */
static char *reported_kinds(const cJSON *results)
{
	char *kinds[MAX_KINDS];
	const cJSON *f;
	int n = 0;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(results, "failures"))
		if (n < MAX_KINDS && cJSON_GetStringValue(cJSON_GetObjectItem(f, "kind")))
			kinds[n++] = cJSON_GetStringValue(cJSON_GetObjectItem(f, "kind"));
	return join_sorted(kinds, n);
}

/* "a,b" as the array ["a","b"] under @key. */
static void jw_kinds(struct json_writer *w, const char *key, const char *list)
{
	char *copy = strdup(list), *save = NULL, *k;

	jw_arr_begin(w, key);
	for (k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save))
		jw_str(w, NULL, k);
	jw_arr_end(w);
	free(copy);
}

static int read_manifest(const char *path, struct validity_row **rows)
{
	char *text = read_file(path, NULL), *line, *save = NULL;
	int n = 0;

	if (!text)
		die("cannot read %s: %s", path, strerror(errno));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[strspn(line, " \t")] == '#' || !line[strspn(line, " \t")])
			continue;
		if (n == MAX_ROWS)
			die("%s: more than %d rows", path, MAX_ROWS);
		rows[n++] = validity_parse_row(path, line);
	}
	free(text);
	return n;
}

/* tcelab run for @r, its output in r->log; its exit status. */
static int run_row(const char *tcelab, struct validity_row *r)
{
	/* the 6 below, the row's, the expectation (2) and NULL */
	char *argv[6 + VALIDITY_MAX_ARGS + 3] = { (char *)tcelab, "run", "--target",
						  (char *)validity_table.target, "--out", r->dir };
	int n = 6, i;

	for (i = 0; r->args[i]; i++)
		argv[n++] = r->args[i];
	argv[n++] = *r->expected ? "--expect-failure" : "--no-history";
	argv[n++] = *r->expected ? r->expected : NULL;
	return spawn_logged(tcelab, argv, r->log, NULL);
}

static void judge(struct validity_row *r)
{
	char *path = xasprintf("%s/results.json", r->dir), err[512];

	r->results = json_load(path, SCHEMA_RUN, err, sizeof(err));
	free(path);
	if (r->results) {
		r->reported = reported_kinds(r->results);
		r->detected = r->status == 0 && !strcmp(r->reported, r->expected);
	} else {
		r->reported = strdup("no results.json");
	}
	validity_judge(r);
}

static void write_json(const char *path, struct validity_row *const *rows, int n)
{
	struct json_writer *w = jw_open(path);
	int i;

	if (!w)
		die("cannot write %s: %s", path, strerror(errno));
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", validity_table.schema);
	jw_str(w, "target", validity_table.target);
	jw_arr_begin(w, "rows");
	for (i = 0; i < n; i++) {
		const struct validity_row *r = rows[i];

		jw_obj_begin(w, NULL);
		validity_jw_identity(w, r);
		jw_kinds(w, "expected", r->expected);
		if (r->results)
			jw_kinds(w, "reported", r->reported);
		else
			jw_null(w, "reported");
		jw_bool(w, "detected", r->detected);
		jw_s64(w, "exit_status", r->status);
		jw_str(w, "run", r->dir);
		validity_jw_figures(w, r);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	if (jw_close(w))
		die("cannot write %s: %s", path, strerror(errno));
}

static void write_text(const char *path, struct validity_row *const *rows, int n)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");

	if (!f)
		die("cannot write %s: %s", tmp, strerror(errno));
	validity_write_table(f, rows, n);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		die("cannot write %s: %s", path, strerror(errno));
	}
	free(tmp);
}

/* Is @r named on the command line (@keys, @n of them; all rows when none)? */
static bool row_asked(const struct validity_row *r, char **keys, int n)
{
	int i;

	for (i = 0; i < n && strcmp(r->key, keys[i]); i++)
		;
	return !n || i < n;
}

int main(int argc, char **argv)
{
	const struct validity_table *t = &validity_table;
	struct validity_row *rows[MAX_ROWS], *ran[MAX_ROWS];
	char *manifest, *runs, *path;
	int n, i, j, n_ran = 0, missed = 0;

	if (argc < 3)
		die("usage: %s-validity TCELAB OUT [%s...]", t->what, t->key_form);
	manifest = xasprintf("%s/tests/%s/MANIFEST", tcelab_top(), t->whats);
	n = read_manifest(manifest, rows);
	runs = xasprintf("%s/%s-runs", argv[2], t->what);
	if (mkdir_p(runs))
		die("cannot create %s: %s", runs, strerror(errno));
	for (j = 3; j < argc; j++) {
		for (i = 0; i < n && strcmp(rows[i]->key, argv[j]); i++)
			;
		if (i == n)
			die("%s has no row for %s (%s)", manifest, argv[j], t->key_form);
	}
	for (i = 0; i < n; i++) {
		struct validity_row *r = rows[i];

		if (!row_asked(r, argv + 3, argc - 3))
			continue;
		r->dir = xasprintf("%s/%s", runs, r->name);
		r->log = xasprintf("%s.log", r->dir);
		rm_rf(r->dir);
		progress("%s: expect %s", r->label, *r->expected ? r->expected : "a pass");
		r->status = run_row(argv[1], r);
		judge(r);
		progress("%s: reported %s: %s", r->label, *r->reported ? r->reported : "nothing",
			 r->detected ? "as expected" : xasprintf("NOT as expected (log: %s)", r->log));
		ran[n_ran++] = r;
		missed += !r->detected;
	}
	path = xasprintf("%s/%s.json", argv[2], t->whats);
	write_json(path, ran, n_ran);
	free(path);
	path = xasprintf("%s/%s.txt", argv[2], t->whats);
	write_text(path, ran, n_ran);
	validity_write_table(stdout, ran, n_ran);
	printf("%d of %d detected as expected (%s, %s/%s.json)\n", n_ran - missed, n_ran, path,
	       argv[2], t->whats);
	return missed ? TCELAB_EXIT_FAIL : TCELAB_EXIT_PASS;
}
