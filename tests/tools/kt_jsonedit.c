/*
 * kt_jsonedit - read or change one value of a JSON document, for tests that
 * must not depend on jq or python (tamper.sh alters exported records with it).
 *
 *   kt_jsonedit FILE get PATH          print the value: a string as its text,
 *                                      anything else as indented JSON
 *   kt_jsonedit FILE set PATH JSON     replace the value with JSON (parsed
 *                                      strictly) and write FILE back indented
 *
 * FILE "-" reads standard input (get only). PATH is member names and array
 * indexes separated by dots: "conclusions.0.approval.content.text"; "" or "."
 * is the whole document. Exit 0, 1 (no such path, or an error), 2 (usage).
 * Uses the client's strict reader (client/json_read.h); owns nothing beyond main.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json_read.h"
#include "client/util.h"
#include "common/status.h"

#define DOC_MAX ((size_t)512 << 20)

static int read_stdin(char **out, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1), *nb;

	if (!buf)
		return -1;
	while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= DOC_MAX || !(nb = realloc(buf, 2 * cap + 1))) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The slot holding the value at path (NULL when there is none); *root for "" or ".". */
static struct kt_jv **lookup(struct kt_jv **root, const char *path)
{
	struct kt_jv **slot = root;
	char *copy, *save = NULL, *part;

	if (!path[0] || strcmp(path, ".") == 0)
		return root;
	if (!(copy = strdup(path)))
		return NULL;
	for (part = strtok_r(copy, ".", &save); part && slot; part = strtok_r(NULL, ".", &save)) {
		struct kt_jv *v = *slot;
		struct kt_jv **next = NULL;

		if (v->type == KT_JV_OBJECT) {
			for (size_t i = 0; i < v->n && !next; i++)
				if (strcmp(v->keys[i], part) == 0)
					next = &v->items[i];
		} else if (v->type == KT_JV_ARRAY) {
			char *end;
			unsigned long i = strtoul(part, &end, 10);

			if (*end == '\0' && end != part && i < v->n)
				next = &v->items[i];
		}
		slot = next;
	}
	free(copy);
	return slot;
}

int main(int argc, char **argv)
{
	struct kt_jv *doc = NULL, *val = NULL, **slot;
	char *text = NULL, err[256];
	size_t len = 0;
	int rc = 1;
	FILE *f;

	if (argc < 4 || (strcmp(argv[2], "get") == 0 && argc != 4) ||
	    (strcmp(argv[2], "set") == 0 && argc != 5) ||
	    (strcmp(argv[2], "get") != 0 && strcmp(argv[2], "set") != 0)) {
		fprintf(stderr,
			"usage: kt_jsonedit FILE get PATH | kt_jsonedit FILE set PATH JSON\n");
		return 2;
	}
	if (strcmp(argv[1], "-") == 0 ? read_stdin(&text, &len) != 0
				      : kt_read_file(argv[1], DOC_MAX, &text, &len) != KT_OK) {
		fprintf(stderr, "kt_jsonedit: cannot read %s\n", argv[1]);
		goto out;
	}
	if (kt_jv_parse(text, len, &doc, err, sizeof(err)) != KT_OK) {
		fprintf(stderr, "kt_jsonedit: %s: %s\n", argv[1], err);
		goto out;
	}
	if (!(slot = lookup(&doc, argv[3]))) {
		fprintf(stderr, "kt_jsonedit: %s has no %s\n", argv[1], argv[3]);
		goto out;
	}
	if (strcmp(argv[2], "get") == 0) {
		if ((*slot)->type == KT_JV_STRING)
			printf("%s\n", (*slot)->s);
		else
			kt_jv_write_pretty(stdout, *slot);
		rc = 0;
		goto out;
	}
	if (kt_jv_parse(argv[4], strlen(argv[4]), &val, err, sizeof(err)) != KT_OK) {
		fprintf(stderr, "kt_jsonedit: the new value is not JSON: %s\n", err);
		goto out;
	}
	kt_jv_free(*slot);
	*slot = val;
	val = NULL;
	if (!(f = fopen(argv[1], "w"))) {
		fprintf(stderr, "kt_jsonedit: cannot write %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	rc = kt_jv_write_pretty(f, doc);
	if (fclose(f) != 0 || rc != KT_OK) {
		rc = 1;
		fprintf(stderr, "kt_jsonedit: cannot write %s\n", argv[1]);
		goto out;
	}
out:
	kt_jv_free(val);
	kt_jv_free(doc);
	free(text);
	return rc;
}
