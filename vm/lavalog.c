// SPDX-License-Identifier: GPL-2.0
/*
 * LAVA's job log, read for tcelab lava-collect: the guest console (the "target" and
 * "feedback" lines), the QEMU command, when the boot began and the guest last spoke, the
 * dispatcher's version, the job's result and the images it booted.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lavalog.h"
#include "lib/json.h"
#include "lib/util.h"

/* LAVA's "dt": "2026-12-03T06:33:35.691862" (UTC) in seconds. */
static double log_seconds(const cJSON *line)
{
	const char *dt = json_str_at(line, "dt");
	struct tm tm = {};
	const char *frac;

	if (!dt || !(frac = strptime(dt, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	return (double)timegm(&tm) + (*frac == '.' ? strtod(frac, NULL) : 0);
}



static void console_add(struct lava_log *l, const char *text)
{
	size_t n = strlen(text);

	l->console = realloc(l->console, l->console_len + n + 2);
	if (!l->console)
		die("out of memory");
	memcpy(l->console + l->console_len, text, n);
	l->console_len += n;
	l->console[l->console_len++] = '\n';
	l->console[l->console_len] = 0;
}

static void read_line(struct lava_log *l, cJSON *line)
{
	const char *lvl = json_str_at(line, "lvl"), *msg = json_str_at(line, "msg"), *prefix;
	const cJSON *res = cJSON_GetObjectItem(line, "msg");

	if (!lvl)
		return;
	/* "feedback": what the console printed after the boot action ended, read at the end. */
	if ((!strcmp(lvl, "target") || !strcmp(lvl, "feedback")) && msg) {
		console_add(l, msg);
		l->boot_end = log_seconds(line);
	} else if (!strcmp(lvl, "info") && msg) {
		prefix = "Boot command: ";
		if (!strncmp(msg, prefix, strlen(prefix))) {
			l->qemu_command = msg + strlen(prefix);
			l->boot_start = log_seconds(line);
		}
		prefix = "lava-dispatcher, installed at version: ";
		if (!strncmp(msg, prefix, strlen(prefix)))
			l->version = msg + strlen(prefix);
	} else if (!strcmp(lvl, "debug") && msg && !strncmp(msg, "Matched prompt", 14)) {
		l->boot_end = log_seconds(line);
	} else if (!strcmp(lvl, "results") && cJSON_IsObject(res)) {
		const char *c = json_str_at(res, "case");

		if (c && !strcmp(c, "job")) {
			l->result = json_str_at(res, "result");
			l->error = json_str_at(res, "error_msg");
		} else if (c && !strcmp(c, "file-download")) {
			cJSON *img = cJSON_CreateObject();

			cJSON_AddStringToObject(img, "label", json_str_at(res, "extra.label") ?: "?");
			cJSON_AddStringToObject(img, "sha256",
						json_str_at(res, "extra.sha256sum") ?: "?");
			cJSON_AddItemToArray(l->images, img);
		}
	}
}

/*
 * One line of LAVA's log, a YAML flow mapping, as JSON: LAVA writes JSON but for a '!' tag
 * before some scalars ("size": ! "65906612") and YAML's escapes of control characters the
 * console may carry (\e, \xHH, \0, \a, \v), which become \u00HH.
 */
static char *yaml_line_to_json(const char *line)
{
	char *out = malloc(strlen(line) * 3 + 1), *p = out;
	int in_string = 0;

	if (!out)
		die("out of memory");
	for (; *line; line++) {
		if (!in_string && line[0] == '!' && line[1] == ' ') {
			line++;
			continue;
		}
		if (in_string && *line == '\\' && line[1]) {
			int code = -1;

			line++;
			switch (*line) {
			case 'e':
				code = 0x1b;
				break;
			case '0':
				code = 0;
				break;
			case 'a':
				code = 0x07;
				break;
			case 'v':
				code = 0x0b;
				break;
			case 'x':
				if (isxdigit((unsigned char)line[1]) && isxdigit((unsigned char)line[2])) {
					code = (int)strtol((char[]){ line[1], line[2], 0 }, NULL, 16);
					line += 2;
				}
				break;
			}
			if (code >= 0) {
				p += sprintf(p, "\\u%04x", code);
			} else {
				*p++ = '\\';
				*p++ = *line;
			}
			continue;
		}
		if (*line == '"')
			in_string = !in_string;
		*p++ = *line;
	}
	*p = 0;
	return out;
}

int lava_log_parse(char *text, struct lava_log *l)
{
	char *line, *save = NULL;

	memset(l, 0, sizeof(*l));
	l->lines = cJSON_CreateArray();
	l->images = cJSON_CreateArray();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *json = yaml_line_to_json(line + (strncmp(line, "- ", 2) ? 0 : 2));
		cJSON *doc = cJSON_Parse(json);

		free(json);
		if (!doc)
			continue;
		cJSON_AddItemToArray(l->lines, doc);
		read_line(l, doc);
	}
	return l->result ? 0 : -1;
}

void lava_log_free(struct lava_log *l)
{
	cJSON_Delete(l->lines);
	cJSON_Delete(l->images);
	free(l->console);
}
