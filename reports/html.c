// SPDX-License-Identifier: GPL-2.0
/* The dashboard page (html.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "html.h"
#include "lib/util.h"

const char *uplot_dir(void)
{
	static char *dir;

	if (!dir)
		dir = getenv("TCELAB_UPLOT_DIR") ? strdup(getenv("TCELAB_UPLOT_DIR")) :
		      xasprintf("%s/.cache/npm/node_modules/uplot", tcelab_top());
	return dir;
}

/* "</" would end the <script> element early; JSON and JS both read "<\/" as "</". */
static void put_script_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (s[0] == '<' && s[1] == '/')
			fputs("<\\/", f), s++;
		else if (s[0] == '<' && s[1] == '!')
			fputs("<\\!", f), s++;
		else
			fputc(*s, f);
	}
}

static void put_html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

int html_write(const char *path, const char *title, cJSON *data, char **err)
{
	char *ujs_path = xasprintf("%s/dist/uPlot.iife.min.js", uplot_dir());
	char *ucss_path = xasprintf("%s/dist/uPlot.min.css", uplot_dir());
	char *upkg_path = xasprintf("%s/package.json", uplot_dir());
	char *js_path = xasprintf("%s/reports/assets/dashboard.js", tcelab_top());
	char *css_path = xasprintf("%s/reports/assets/dashboard.css", tcelab_top());
	char *ujs = read_file(ujs_path, NULL), *ucss = read_file(ucss_path, NULL);
	char *js = read_file(js_path, NULL), *css = read_file(css_path, NULL), *json, *tmp;
	cJSON *pkg = read_json(upkg_path);
	char stamp[64];
	time_t now = time(NULL);
	FILE *f;
	int ret = -1, saved;

	if (!ujs || !ucss) {
		*err = xasprintf("uPlot is not installed at %s (run 'make setup')", uplot_dir());
		goto out;
	}
	if (!js || !css) {
		*err = xasprintf("missing %s or %s", js_path, css_path);
		goto out;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	cJSON_DeleteItemFromObject(data, "generated_at");
	cJSON_AddStringToObject(data, "generated_at", stamp);
	cJSON_DeleteItemFromObject(data, "uplot_version");
	cJSON_AddStringToObject(data, "uplot_version",
				cJSON_GetStringValue(cJSON_GetObjectItem(pkg, "version")) ?: "?");
	json = cJSON_PrintUnformatted(data);
	tmp = xasprintf("%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		free(json);
		free(tmp);
		goto out;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	put_html_text(f, title);
	fputs("</title>\n<style>\n", f);
	put_script_safe(f, ucss);
	fputs("\n", f);
	put_script_safe(f, css);
	fputs("</style>\n</head>\n<body>\n<div id=\"app\"></div>\n", f);
	fputs("<script id=\"tcelab-data\" type=\"application/json\">", f);
	put_script_safe(f, json);
	fputs("</script>\n<script>\n", f);
	put_script_safe(f, ujs);
	fputs("\n</script>\n<script>\n", f);
	put_script_safe(f, js);
	fputs("</script>\n</body>\n</html>\n", f);
	ret = ferror(f) ? -1 : 0;
	saved = errno;
	if (fclose(f) && !ret) {
		ret = -1;
		saved = errno;
	}
	if (!ret && rename(tmp, path)) {
		ret = -1;
		saved = errno;
	}
	if (ret) {
		/* Nothing half-written stays behind (a full disk): no index.html.tmp. */
		unlink(tmp);
		*err = xasprintf("cannot write %s: %s", path, strerror(saved));
	}
	free(json);
	free(tmp);
out:
	free(ujs), free(ucss), free(js), free(css);
	free(ujs_path), free(ucss_path), free(upkg_path), free(js_path), free(css_path);
	cJSON_Delete(pkg);
	return ret;
}
