/*
 * fuzz_record.c - exported records as `kiemtra verify` reads them: the strict
 * JSON reader (client/json_read.c) and the approval checker
 * (client/record_check.c), as their headers document them:
 *
 *   - kt_record_check accepts the document (every approval gets one result,
 *     the counts add up to the results, failed counts exactly those neither
 *     OK nor REPLACED, every result names its kind and where it is), or
 *     refuses it as a whole with a reason and a zeroed result;
 *   - whatever kt_jv_parse accepts, written out with kt_jv_write_pretty, reads
 *     back to an equal tree (export relies on this), and the check of the
 *     rewritten document gives the same results as the original's;
 *   - whatever it refuses, it refuses with a line and column.
 *
 * Input: the file's bytes. Seeds (fuzz/corpus/record/) are records written by
 * `kiemtra export` in integration.tamper (record: every approval OK; rep4: a
 * unit representative's view with parts omitted; t1, t5: tampered copies)
 * and two documents that are not records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json_read.h"
#include "client/record_check.h"
#include "common/status.h"
#include "fuzz/fuzz.h"

static void check_results(const struct kt_record_check *c)
{
	size_t sum = 0, bad = 0;

	for (int s = 0; s < KT_V_NSTATUS; s++)
		sum += c->counts[s];
	FZ_CHECK(sum == c->n, "counts add up to %zu, results %zu", sum, c->n);
	for (size_t i = 0; i < c->n; i++) {
		const struct kt_vres *r = &c->res[i];

		FZ_CHECK((unsigned)r->st < KT_V_NSTATUS, "status %d", (int)r->st);
		FZ_CHECK(r->kind && *r->kind, "result %zu has no kind", i);
		FZ_CHECK(r->path[0] != '\0', "result %zu has no path", i);
		FZ_CHECK(r->what[0] != '\0', "result %zu says nothing about what", i);
		FZ_CHECK(r->st == KT_V_OK || r->detail[0] != '\0',
			 "result %zu (%s) gives no reason", i, kt_vstatus_name[r->st]);
		if (r->st != KT_V_OK && r->st != KT_V_REPLACED)
			bad++;
	}
	FZ_CHECK(bad == c->failed, "failed %zu, counted %zu", c->failed, bad);
}

static bool same_results(const struct kt_record_check *a, const struct kt_record_check *b)
{
	if (a->n != b->n || a->failed != b->failed)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->res[i].st != b->res[i].st || strcmp(a->res[i].path, b->res[i].path) != 0 ||
		    strcmp(a->res[i].detail, b->res[i].detail) != 0)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kt_record_check zero;
	struct kt_record_check c, again;
	struct kt_jv *tree = NULL, *back = NULL;
	char err[256], why[512];
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int rc, rc2;

	err[0] = why[0] = '\0';
	rc = kt_jv_parse((const char *)data, size, &tree, err, sizeof(err));
	if (rc != KT_OK) {
		FZ_CHECK(rc == KT_EINVAL, "kt_jv_parse returned %d", rc);
		FZ_CHECK(tree == NULL, "a refused document left a tree");
		FZ_CHECK(strncmp(err, "line ", 5) == 0 && strstr(err, ", column "),
			 "the reason does not say where: '%s'", err);
	} else {
		f = open_memstream(&out, &out_len);
		FZ_CHECK(f != NULL, "open_memstream");
		FZ_CHECK(kt_jv_write_pretty(f, tree) == KT_OK, "kt_jv_write_pretty failed");
		FZ_CHECK(fclose(f) == 0, "fclose");
		rc2 = kt_jv_parse(out, out_len, &back, err, sizeof(err));
		FZ_CHECK(rc2 == KT_OK, "what was written does not read back: %s", err);
		FZ_CHECK(kt_jv_equal(tree, back), "what was written reads back differently");
		kt_jv_free(back);
	}

	rc = kt_record_check((const char *)data, size, &c, why, sizeof(why));
	if (rc != KT_OK) {
		FZ_CHECK(rc == KT_EINVAL || rc == KT_ENOMEM, "kt_record_check returned %d", rc);
		FZ_CHECK(rc == KT_ENOMEM || why[0] != '\0', "refused without a reason");
		FZ_CHECK(memcmp(&c, &zero, sizeof(c)) == 0, "a refused check left results");
		FZ_CHECK(tree == NULL || strncmp(why, "cannot be verified: ", 20) == 0,
			 "valid JSON refused as '%s'", why);
	} else {
		FZ_CHECK(tree != NULL, "a document the reader refuses was checked");
		check_results(&c);
		rc2 = kt_record_check(out, out_len, &again, why, sizeof(why));
		FZ_CHECK(rc2 == KT_OK || rc2 == KT_ENOMEM, "the rewritten record is refused: %s",
			 why);
		if (rc2 == KT_OK)
			FZ_CHECK(same_results(&c, &again),
				 "the rewritten record checks differently");
		kt_record_check_free(&again);
	}
	kt_record_check_free(&c);
	kt_jv_free(tree);
	free(out);
	return 0;
}
