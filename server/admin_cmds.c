/* admin_cmds.c - see admin_cmds.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>
#include <uv.h>

#include "common/keyfile.h"
#include "common/status.h"
#include "common/text.h"
#include "server/admin_cmds.h"
#include "server/auth.h"
#include "server/conn.h"
#include "server/server.h"
#include "server/store/db_faultvfs.h"
#include "server/svc_units.h"
#include "server/svc_users.h"
#include "server/worker.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#define MAX_OPTS 8		 /* options of one command */
#define CLOSE_KICKED 3		 /* proto CloseReason */
#define CLOSE_ACCOUNT_DISABLED 4 /* proto CloseReason */
#define ROLE_INSPECTOR 3	 /* proto Role */
#define ROLE_UNIT_REP 4		 /* proto Role */
#define UNIT_STATUS_MERGED 2	 /* proto UnitStatus */
#define FIND_LIMIT 50		 /* matches shown by 'unit find' */

/* ---- output ----------------------------------------------------------------- */

static void buf_vprintf(struct admin_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void buf_vprintf(struct admin_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->truncated = true;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void admin_out_init(struct admin_out *o, void (*done)(struct admin_out *o), void *arg)
{
	memset(o, 0, sizeof(*o));
	o->done = done;
	o->arg = arg;
}

void admin_out_fini(struct admin_out *o)
{
	if (!o)
		return;
	free(o->out.data);
	free(o->err.data);
	memset(&o->out, 0, sizeof(o->out));
	memset(&o->err, 0, sizeof(o->err));
}

void admin_printf(struct admin_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&o->out, fmt, ap);
	va_end(ap);
}

void admin_eprintf(struct admin_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&o->err, fmt, ap);
	va_end(ap);
}

/* ---- calls -------------------------------------------------------------------- */

struct admin_call {
	struct server *s;
	struct admin_out *out;
	const struct admin_cmd *cmd;
	char **words; /* the owned copy of argv */
	int nwords;
	char **argv; /* positional arguments (into words) */
	int argc;
	const char *optv[MAX_OPTS]; /* by option index: value, "" for a flag, NULL absent */
	char *input;		    /* standard input; NULL at the console */
	size_t input_len;
	struct svc_actor actor;
};

static void call_free(struct admin_call *c)
{
	if (!c)
		return;
	admin_argv_free(c->nwords, c->words);
	free(c->argv);
	if (c->input) {
		sodium_memzero(c->input, c->input_len);
		free(c->input);
	}
	free(c);
}

/* Hand the result to the front end; c is gone afterwards. */
static void finish(struct admin_call *c, int code)
{
	struct admin_out *o = c->out;

	call_free(c);
	if (o->out.truncated || o->err.truncated) {
		admin_eprintf(o, "(out of memory: some output was lost)\n");
		if (code == ADMIN_EXIT_OK)
			code = ADMIN_EXIT_FAILED;
	}
	o->code = code;
	o->done(o);
}

/* Exit 1 with "error: <code text>: <sentence>". */
static void fail(struct admin_call *c, int rc, const char *msg)
{
	if (msg && *msg)
		admin_eprintf(c->out, "error: %s: %s\n", kt_strerror(rc), msg);
	else
		admin_eprintf(c->out, "error: %s\n", kt_strerror(rc));
	finish(c, ADMIN_EXIT_FAILED);
}

static void print_usage(struct admin_out *o, const struct admin_cmd *cmd)
{
	admin_eprintf(o, "usage: %s%s%s\n", cmd->words, *cmd->args ? " " : "", cmd->args);
}

/* Exit 2 with a sentence and the usage line. */
static void __attribute__((format(printf, 2, 3))) usage(struct admin_call *c, const char *fmt, ...)
{
	va_list ap;

	admin_eprintf(c->out, "%s: ", c->cmd->words);
	va_start(ap, fmt);
	buf_vprintf(&c->out->err, fmt, ap);
	va_end(ap);
	admin_eprintf(c->out, "\n");
	print_usage(c->out, c->cmd);
	finish(c, ADMIN_EXIT_USAGE);
}

/* Index of the option name[0..n) in cmd->options, or -1; *takes_value tells its kind. */
static int opt_find(const struct admin_cmd *cmd, const char *name, size_t n, bool *takes_value)
{
	const char *p = cmd->options ? cmd->options : "";
	int i = 0;

	while (*p) {
		size_t len = strcspn(p, " ");
		size_t nlen = len && p[len - 1] == '=' ? len - 1 : len;

		if (nlen == n && memcmp(p, name, n) == 0) {
			*takes_value = nlen != len;
			return i;
		}
		p += len;
		p += strspn(p, " ");
		i++;
	}
	return -1;
}

/* The value of option name ("" for a flag), or NULL when it was not given. */
static const char *opt(const struct admin_call *c, const char *name)
{
	bool v;
	int i = opt_find(c->cmd, name, strlen(name), &v);

	return i < 0 ? NULL : c->optv[i];
}

static bool flag(const struct admin_call *c, const char *name)
{
	return opt(c, name) != NULL;
}

/*
 * Sort words[first..nwords) into options and positional arguments. Returns 0,
 * or -1 with a sentence in msg (a usage error).
 */
static int parse_args(struct admin_call *c, int first, char *msg, size_t cap)
{
	bool only_args = false;

	c->argv = calloc((size_t)c->nwords + 1, sizeof(*c->argv));
	if (!c->argv) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	for (int i = first; i < c->nwords; i++) {
		const char *a = c->words[i], *name, *eq;
		bool takes_value;
		size_t n;
		int k;

		if (!only_args && strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		if (only_args || strncmp(a, "--", 2) != 0) {
			c->argv[c->argc++] = c->words[i];
			continue;
		}
		name = a + 2;
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		k = opt_find(c->cmd, name, n, &takes_value);
		if (k < 0 || k >= MAX_OPTS) {
			snprintf(msg, cap, "unknown option --%.*s", (int)n, name);
			return -1;
		}
		if (takes_value) {
			if (eq) {
				c->optv[k] = eq + 1;
			} else if (i + 1 < c->nwords) {
				c->optv[k] = c->words[++i];
			} else {
				snprintf(msg, cap, "option --%s needs a value", name);
				return -1;
			}
		} else {
			if (eq) {
				snprintf(msg, cap, "option --%.*s takes no value", (int)n, name);
				return -1;
			}
			c->optv[k] = "";
		}
	}
	if ((unsigned)c->argc < c->cmd->min_args) {
		snprintf(msg, cap, "missing argument");
		return -1;
	}
	if (c->cmd->max_args != ADMIN_ARGS_ANY && (unsigned)c->argc > c->cmd->max_args) {
		snprintf(msg, cap, "unexpected argument '%s'", c->argv[c->cmd->max_args]);
		return -1;
	}
	return 0;
}

/* Copy src into dst[cap]; when too long, fail the call (exit 1) and return false. */
static bool copy_arg(struct admin_call *c, char *dst, size_t cap, const char *what, const char *src)
{
	char msg[128];

	if (strlen(src) >= cap) {
		snprintf(msg, sizeof(msg), "the %s is longer than %zu bytes", what, cap - 1);
		fail(c, KT_ETOOBIG, msg);
		return false;
	}
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

/* ---- jobs --------------------------------------------------------------------- */

/* The common head of every command's worker job. */
struct admin_job {
	struct worker_job job;
	struct admin_call *call;
	char msg[512]; /* the service's sentence, written by run() */
};

static struct admin_job *job_of(struct worker_job *j)
{
	return container_of(j, struct admin_job, job);
}

static void submit(struct admin_call *c, struct admin_job *aj,
		   int (*run)(struct store_tx *tx, struct worker_job *job),
		   int (*run_raw)(struct store *st, struct worker_job *job),
		   void (*done)(struct worker_job *job, int rc))
{
	aj->call = c;
	aj->job.run = run;
	aj->job.run_raw = run_raw;
	aj->job.done = done;
	worker_submit(c->s->worker, &aj->job);
}

/* ---- formatting --------------------------------------------------------------- */

/* Columns a UTF-8 text takes on a terminal: code points less combining marks. */
static size_t text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		if ((*p & 0xc0) != 0x80) {
			/* U+0300..U+036F are 0xcc 0x80 .. 0xcd 0xaf */
			bool mark = (p[0] == 0xcc && p[1] >= 0x80) || (p[0] == 0xcd && p[1] < 0xb0);
			if (!mark)
				w++;
		}
		p++;
	}
	return w;
}

static const char *fmt_time(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !localtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, cap, "-");
	return buf;
}

static const char *fmt_duration(uint64_t ms, char *buf, size_t cap)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, cap, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, cap, "%" PRIu64 "m %02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, cap, "%" PRIu64 "h %02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, cap, "%" PRIu64 "d %02" PRIu64 "h", s / 86400, s / 3600 % 24);
	return buf;
}

/* A table of text cells, printed with columns aligned to the widest cell. */
#define TABLE_COLS 8

struct table {
	unsigned ncols;
	size_t nrows, cap;
	char **cells; /* nrows * ncols, owned */
	bool oom;
};

static void table_row(struct table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (!p) {
			t->oom = true;
			return;
		}
		t->cells = p;
		t->cap = cap;
	}
	va_start(ap, t);
	for (unsigned i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *copy = strdup(s ? s : "");

		if (!copy)
			t->oom = true;
		t->cells[t->nrows * t->ncols + i] = copy;
	}
	va_end(ap);
	t->nrows++;
}

static void table_print(const struct table *t, struct admin_out *o)
{
	size_t width[TABLE_COLS] = {0};

	for (size_t r = 0; r < t->nrows; r++)
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t w = s ? text_width(s) : 0;

			if (w > width[i])
				width[i] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		char *const *row = &t->cells[r * t->ncols];
		unsigned last = 0;

		/* Empty cells at the end of a row print nothing, not even padding. */
		for (unsigned i = 0; i < t->ncols; i++)
			if (row[i] && *row[i])
				last = i;
		for (unsigned i = 0; i < last; i++) {
			const char *s = row[i] ? row[i] : "";

			admin_printf(o, "%s%*s", s, (int)(width[i] - text_width(s) + 2), "");
		}
		admin_printf(o, "%s\n", row[last] ? row[last] : "");
	}
	if (t->oom)
		admin_eprintf(o, "(out of memory: some rows were lost)\n");
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* Grow a job's result array by one element; NULL when out of memory. */
static void *grow(void **items, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		void *p = realloc(*items, ncap * size);

		if (!p)
			return NULL;
		*items = p;
		*cap = ncap;
	}
	return (char *)*items + (*n)++ * size;
}

/* Live connections of a user in the registry. */
struct live_count {
	int64_t user_id;
	unsigned n;
};

static int count_live(struct conn *conn, void *arg)
{
	struct live_count *lc = arg;

	if (conn->user_id == lc->user_id && conn->state == CONN_OPEN)
		lc->n++;
	return 0;
}

static unsigned live_connections(struct server *s, int64_t user_id)
{
	struct live_count lc = {.user_id = user_id};

	server_foreach_conn(s, count_live, &lc);
	return lc.n;
}

/* ---- help --------------------------------------------------------------------- */

/* Length of the first word of s. */
static size_t first_word(const char *s)
{
	return strcspn(s, " ");
}

static void help_one(struct admin_out *o, const struct admin_cmd *cmd)
{
	admin_printf(o, "usage: %s%s%s\n\n%s.\n", cmd->words, *cmd->args ? " " : "", cmd->args,
		     cmd->help);
	if (cmd->details)
		admin_printf(o, "\n%s", cmd->details);
}

/* The group of a command: its first word when another command shares it, else "". */
static size_t group_of(const struct admin_cmd *cmd)
{
	size_t n = first_word(cmd->words);
	const struct admin_cmd *other;

	for (size_t i = 0; (other = admin_cmd_at(i)); i++)
		if (other != cmd && first_word(other->words) == n &&
		    strncmp(other->words, cmd->words, n) == 0)
			return n;
	return 0;
}

static bool same_group(const struct admin_cmd *a, const struct admin_cmd *b)
{
	size_t n = group_of(a);

	return n == group_of(b) && strncmp(a->words, b->words, n) == 0;
}

/* Every command (group NULL) with its help line, or each of one group with its synopsis. */
static void help_list(struct admin_out *o, const char *group, size_t glen)
{
	const struct admin_cmd *cmd, *prev = NULL;
	size_t width = 0;

	for (size_t i = 0; (cmd = admin_cmd_at(i)); i++)
		if (strlen(cmd->words) > width)
			width = strlen(cmd->words);
	if (!group)
		admin_printf(o, "Commands (type 'help COMMAND' for the options of one):\n");
	for (size_t i = 0; (cmd = admin_cmd_at(i)); i++) {
		if (group) {
			if (first_word(cmd->words) != glen || strncmp(cmd->words, group, glen) != 0)
				continue;
			admin_printf(o, "%s%s%s\n    %s\n", cmd->words, *cmd->args ? " " : "",
				     cmd->args, cmd->help);
			continue;
		}
		if (prev && !same_group(prev, cmd))
			admin_printf(o, "\n");
		admin_printf(o, "  %-*s  %s\n", (int)width, cmd->words, cmd->help);
		prev = cmd;
	}
}

static void cmd_help(struct admin_call *c)
{
	const struct admin_cmd *cmd;
	char msg[256];
	int n;

	if (c->argc == 0) {
		help_list(c->out, NULL, 0);
		finish(c, ADMIN_EXIT_OK);
		return;
	}
	cmd = admin_cmd_lookup(c->argc, c->argv, &n, msg, sizeof(msg));
	if (cmd && n == c->argc) {
		help_one(c->out, cmd);
		finish(c, ADMIN_EXIT_OK);
		return;
	}
	/* "help user": the commands of a group. */
	if (c->argc == 1) {
		for (size_t i = 0; (cmd = admin_cmd_at(i)); i++) {
			size_t len = first_word(cmd->words);

			if (strlen(c->argv[0]) == len &&
			    strncmp(cmd->words, c->argv[0], len) == 0) {
				help_list(c->out, c->argv[0], len);
				finish(c, ADMIN_EXIT_OK);
				return;
			}
		}
	}
	if (cmd)
		snprintf(msg, sizeof(msg), "unexpected word '%s' after '%s'", c->argv[n],
			 cmd->words);
	admin_eprintf(c->out, "help: %s\n", msg);
	finish(c, ADMIN_EXIT_USAGE);
}

/* ---- users -------------------------------------------------------------------- */

/* One job type for every account change. */
struct user_job {
	struct admin_job base;
	char username[STORE_USERNAME_MAX + 1];
	char full_name[STORE_NAME_MAX + 1];
	uint32_t roles;
	char unit[STORE_CODE_MAX + 1];
	bool disabled;
	bool generated; /* the password was generated: show it */
	char password[AUTH_PASSWORD_MAX + 1];
	char pwhash[STORE_PWHASH_MAX + 1];
	struct store_user user; /* the account after the change */
	void (*on_done)(struct user_job *uj);
};

static struct user_job *user_job_new(struct admin_call *c)
{
	struct user_job *uj = calloc(1, sizeof(*uj));

	if (!uj)
		fail(c, KT_ENOMEM, NULL);
	else
		uj->base.call = c;
	return uj;
}

static void user_job_free(struct user_job *uj)
{
	if (!uj)
		return;
	sodium_memzero(uj->password, sizeof(uj->password));
	sodium_memzero(uj->pwhash, sizeof(uj->pwhash));
	free(uj);
}

/* Fail the call with the job's code and message, and free the job. */
static void user_job_fail(struct user_job *uj, int rc)
{
	struct admin_call *c = uj->base.call;
	char msg[sizeof(uj->base.msg)];

	memcpy(msg, uj->base.msg, sizeof(msg));
	user_job_free(uj);
	fail(c, rc, msg);
}

static void user_job_done(struct worker_job *j, int rc)
{
	struct user_job *uj = container_of(job_of(j), struct user_job, base);

	if (rc != KT_OK) {
		user_job_fail(uj, rc);
		return;
	}
	uj->on_done(uj);
}

/*
 * The password of user add/passwd: the first line of standard input with
 * --password-stdin (checked against the policy), else a generated one.
 * Returns false when the call was finished with an error.
 */
static bool take_password(struct admin_call *c, struct user_job *uj)
{
	char msg[256];
	size_t n;

	if (!flag(c, "password-stdin")) {
		auth_generate_password(uj->password);
		uj->generated = true;
		return true;
	}
	if (!c->input) {
		user_job_free(uj);
		usage(c, "--password-stdin works only through 'kiemtrad admin' (at the console, "
			 "leave it out to get a generated password)");
		return false;
	}
	n = strcspn(c->input, "\n");
	if (n > c->input_len)
		n = c->input_len;
	if (n && c->input[n - 1] == '\r')
		n--;
	if (n > AUTH_PASSWORD_MAX) {
		user_job_free(uj);
		snprintf(msg, sizeof(msg), "the password is longer than %d bytes",
			 AUTH_PASSWORD_MAX);
		fail(c, KT_EINVAL, msg);
		return false;
	}
	memcpy(uj->password, c->input, n);
	uj->password[n] = '\0';
	if (n == 0) {
		user_job_free(uj);
		fail(c, KT_EINVAL, "--password-stdin: standard input has no password line");
		return false;
	}
	if (auth_password_policy(uj->username, uj->password, msg, sizeof(msg)) != KT_OK) {
		user_job_free(uj);
		fail(c, KT_EINVAL, msg);
		return false;
	}
	return true;
}

static void print_password(struct admin_out *o, const struct user_job *uj)
{
	if (!uj->generated)
		return;
	admin_printf(o, "password: %s\n", uj->password);
	admin_printf(o,
		     "Hand this password to %s in person; they must change it at their first "
		     "login.\n",
		     uj->full_name[0] ? uj->full_name : uj->username);
}

/* Hash the password off the loop, then submit run. */
static void hash_done(void *arg, int rc, const char *hash)
{
	struct user_job *uj = arg;

	if (rc != KT_OK) {
		snprintf(uj->base.msg, sizeof(uj->base.msg), "hashing the password failed");
		user_job_fail(uj, rc);
		return;
	}
	snprintf(uj->pwhash, sizeof(uj->pwhash), "%s", hash);
	submit(uj->base.call, &uj->base, uj->base.job.run, NULL, user_job_done);
}

static void hash_and_submit(struct user_job *uj,
			    int (*run)(struct store_tx *tx, struct worker_job *job))
{
	struct admin_call *c = uj->base.call;
	int rc;

	uj->base.job.run = run;
	rc = auth_hash(c->s->auth, uj->password, hash_done, uj);
	if (rc != KT_OK) {
		snprintf(uj->base.msg, sizeof(uj->base.msg), "cannot hash the password now");
		user_job_fail(uj, rc);
	}
}

static void user_describe(char *buf, size_t cap, const struct store_user *u, const char *unit)
{
	char roles[128];

	svc_roles_format(u->roles, roles, sizeof(roles));
	snprintf(buf, cap, "%s%s%s", roles[0] ? roles : "no role", unit[0] ? ", unit " : "", unit);
}

static int user_add_run(struct store_tx *tx, struct worker_job *j)
{
	struct user_job *uj = container_of(job_of(j), struct user_job, base);

	return svc_user_add(tx, &uj->base.call->actor, uj->username, uj->full_name, uj->roles,
			    uj->unit, uj->pwhash, uj->generated, &uj->user, uj->base.msg,
			    sizeof(uj->base.msg));
}

static void user_add_done(struct user_job *uj)
{
	struct admin_call *c = uj->base.call;
	char what[256];

	user_describe(what, sizeof(what), &uj->user, uj->unit);
	admin_printf(c->out, "user '%s' added: %s (%s)\n", uj->user.username, uj->user.full_name,
		     what);
	print_password(c->out, uj);
	user_job_free(uj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_user_add(struct admin_call *c)
{
	const char *name = opt(c, "name"), *role = opt(c, "role"), *unit = opt(c, "unit");
	struct user_job *uj;
	char msg[256];
	int rc;

	if (!name) {
		usage(c, "--name \"FULL NAME\" is required");
		return;
	}
	if ((rc = svc_username_check(c->argv[0], msg, sizeof(msg))) != KT_OK) {
		fail(c, rc, msg);
		return;
	}
	if (!(uj = user_job_new(c)))
		return;
	uj->on_done = user_add_done;
	if (!copy_arg(c, uj->username, sizeof(uj->username), "username", c->argv[0]) ||
	    !copy_arg(c, uj->full_name, sizeof(uj->full_name), "full name", name) ||
	    !copy_arg(c, uj->unit, sizeof(uj->unit), "unit code", unit ? unit : "")) {
		user_job_free(uj);
		return;
	}
	if (role) {
		rc = svc_roles_parse(role, &uj->roles, msg, sizeof(msg));
		if (rc != KT_OK) {
			user_job_free(uj);
			fail(c, rc, msg);
			return;
		}
	} else {
		uj->roles = STORE_ROLE_BIT(unit ? ROLE_UNIT_REP : ROLE_INSPECTOR);
	}
	if (!take_password(c, uj))
		return;
	hash_and_submit(uj, user_add_run);
}

static int user_passwd_run(struct store_tx *tx, struct worker_job *j)
{
	struct user_job *uj = container_of(job_of(j), struct user_job, base);

	return svc_user_set_password(tx, &uj->base.call->actor, uj->username, uj->pwhash,
				     uj->generated, &uj->user, uj->base.msg, sizeof(uj->base.msg));
}

static void user_passwd_done(struct user_job *uj)
{
	struct admin_call *c = uj->base.call;
	/* A reset usually means the password leaked: end what it opened, now. */
	unsigned closed = server_close_user(c->s, uj->user.id, CLOSE_KICKED,
					    "password reset by the administrator; log in again");

	snprintf(uj->full_name, sizeof(uj->full_name), "%s", uj->user.full_name);
	admin_printf(c->out,
		     "password of '%s' reset; every saved session of '%s' was revoked and "
		     "%u live connection(s) closed, so each device must log in again\n",
		     uj->username, uj->username, closed);
	print_password(c->out, uj);
	user_job_free(uj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_user_passwd(struct admin_call *c)
{
	struct user_job *uj;

	if (!(uj = user_job_new(c)))
		return;
	uj->on_done = user_passwd_done;
	if (!copy_arg(c, uj->username, sizeof(uj->username), "username", c->argv[0])) {
		user_job_free(uj);
		return;
	}
	if (!take_password(c, uj))
		return;
	hash_and_submit(uj, user_passwd_run);
}

static int user_disable_run(struct store_tx *tx, struct worker_job *j)
{
	struct user_job *uj = container_of(job_of(j), struct user_job, base);

	return svc_user_set_disabled(tx, &uj->base.call->actor, uj->username, uj->disabled,
				     &uj->user, uj->base.msg, sizeof(uj->base.msg));
}

static void user_disable_done(struct user_job *uj)
{
	struct admin_call *c = uj->base.call;
	unsigned closed;

	if (!uj->disabled) {
		admin_printf(c->out, "user '%s' enabled; they can log in again\n", uj->username);
	} else {
		closed = server_close_user(c->s, uj->user.id, CLOSE_ACCOUNT_DISABLED,
					   "account disabled by the administrator");
		admin_printf(c->out,
			     "user '%s' disabled; their sessions were revoked and %u live "
			     "connection(s) closed\n",
			     uj->username, closed);
	}
	user_job_free(uj);
	finish(c, ADMIN_EXIT_OK);
}

static void user_set_disabled(struct admin_call *c, bool disabled)
{
	struct user_job *uj;

	if (!(uj = user_job_new(c)))
		return;
	uj->on_done = user_disable_done;
	uj->disabled = disabled;
	if (!copy_arg(c, uj->username, sizeof(uj->username), "username", c->argv[0])) {
		user_job_free(uj);
		return;
	}
	submit(c, &uj->base, user_disable_run, NULL, user_job_done);
}

static void cmd_user_disable(struct admin_call *c)
{
	user_set_disabled(c, true);
}

static void cmd_user_enable(struct admin_call *c)
{
	user_set_disabled(c, false);
}

/* ---- user revoke-device --------------------------------------------------------- */

struct revoke_job {
	struct admin_job base;
	char username[STORE_USERNAME_MAX + 1];
	char prefix[KT_FINGERPRINT_LEN];
	struct store_device dev;
	int64_t sessions;
};

static int revoke_run(struct store_tx *tx, struct worker_job *j)
{
	struct revoke_job *rj = container_of(job_of(j), struct revoke_job, base);

	return svc_device_revoke(tx, &rj->base.call->actor, rj->username, rj->prefix, &rj->dev,
				 &rj->sessions, rj->base.msg, sizeof(rj->base.msg));
}

static void revoke_done(struct worker_job *j, int rc)
{
	struct revoke_job *rj = container_of(job_of(j), struct revoke_job, base);
	struct admin_call *c = rj->base.call;
	char fp[KT_FINGERPRINT_LEN];
	unsigned closed;

	if (rc != KT_OK) {
		fail(c, rc, rj->base.msg);
		free(rj);
		return;
	}
	kt_fingerprint(rj->dev.pubkey, fp);
	closed = server_close_device(c->s, rj->dev.user_id, rj->dev.pubkey,
				     CLOSE_KICKED, "this device was revoked by the administrator");
	admin_printf(c->out,
		     "device %s of '%s' revoked: it can no longer log in, resume or sign; "
		     "%lld saved session(s) ended, %u live connection(s) closed\n",
		     fp, rj->username, (long long)rj->sessions, closed);
	free(rj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_user_revoke_device(struct admin_call *c)
{
	struct revoke_job *rj = calloc(1, sizeof(*rj));

	if (!rj) {
		fail(c, KT_ENOMEM, NULL);
		return;
	}
	rj->base.call = c;
	if (!copy_arg(c, rj->username, sizeof(rj->username), "username", c->argv[0]) ||
	    !copy_arg(c, rj->prefix, sizeof(rj->prefix), "fingerprint", c->argv[1])) {
		free(rj);
		return;
	}
	submit(c, &rj->base, revoke_run, NULL, revoke_done);
}

static int user_roles_run(struct store_tx *tx, struct worker_job *j)
{
	struct user_job *uj = container_of(job_of(j), struct user_job, base);

	return svc_user_set_roles(tx, &uj->base.call->actor, uj->username, uj->roles, uj->unit,
				  &uj->user, uj->base.msg, sizeof(uj->base.msg));
}

static void user_roles_done(struct user_job *uj)
{
	struct admin_call *c = uj->base.call;
	unsigned live = server_update_user_roles(c->s, uj->user.id, uj->user.roles,
						 uj->user.unit_id);
	char what[256];

	user_describe(what, sizeof(what), &uj->user, uj->unit);
	admin_printf(c->out, "user '%s' now has: %s\n", uj->username, what);
	if (live)
		admin_printf(c->out,
			     "%u live connection(s) of '%s' now act with the new roles "
			     "(watchers were asked to reconnect)\n",
			     live, uj->username);
	user_job_free(uj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_user_roles(struct admin_call *c)
{
	const char *unit = opt(c, "unit");
	struct user_job *uj;
	char msg[256];
	int rc;

	if (!(uj = user_job_new(c)))
		return;
	uj->on_done = user_roles_done;
	if (!copy_arg(c, uj->username, sizeof(uj->username), "username", c->argv[0]) ||
	    !copy_arg(c, uj->unit, sizeof(uj->unit), "unit code", unit ? unit : "")) {
		user_job_free(uj);
		return;
	}
	rc = svc_roles_parse(c->argv[1], &uj->roles, msg, sizeof(msg));
	if (rc == KT_OK && !uj->roles) {
		rc = KT_EINVAL;
		snprintf(msg, sizeof(msg), "give at least one role");
	}
	if (rc != KT_OK) {
		user_job_free(uj);
		fail(c, rc, msg);
		return;
	}
	submit(c, &uj->base, user_roles_run, NULL, user_job_done);
}

/* user list / user show: read jobs. */
struct user_read_job {
	struct admin_job base;
	char username[STORE_USERNAME_MAX + 1]; /* show: which */
	struct store_user *users;	       /* list: every user; show: one */
	char (*units)[STORE_CODE_MAX + 1];     /* the unit code of each user, parallel */
	size_t n, cap;
	struct store_device *devices; /* show */
	size_t ndevices, devcap;
};

static void user_read_free(struct user_read_job *rj)
{
	if (!rj)
		return;
	if (rj->users)
		sodium_memzero(rj->users, rj->cap * sizeof(*rj->users));
	free(rj->users);
	free(rj->units);
	free(rj->devices);
	free(rj);
}

static int collect_user(const struct store_user *u, void *arg)
{
	struct user_read_job *rj = arg;
	struct store_user *slot = grow((void **)&rj->users, &rj->n, &rj->cap, sizeof(*u));

	if (!slot)
		return KT_ENOMEM;
	*slot = *u;
	memset(slot->pwhash, 0, sizeof(slot->pwhash));
	return 0;
}

static int collect_device(const struct store_device *d, void *arg)
{
	struct user_read_job *rj = arg;
	struct store_device *slot =
	    grow((void **)&rj->devices, &rj->ndevices, &rj->devcap, sizeof(*d));

	if (!slot)
		return KT_ENOMEM;
	*slot = *d;
	return 0;
}

/* After the users are collected: the code of each user's unit. */
static int resolve_user_units(struct store_tx *tx, struct user_read_job *rj)
{
	struct store_unit u;
	int rc;

	rj->units = calloc(rj->n ? rj->n : 1, sizeof(*rj->units));
	if (!rj->units)
		return KT_ENOMEM;
	for (size_t i = 0; i < rj->n; i++) {
		if (!rj->users[i].unit_id)
			continue;
		rc = store_unit_get(tx, rj->users[i].unit_id, &u);
		if (rc == KT_ENOTFOUND)
			snprintf(rj->units[i], sizeof(rj->units[i]), "#%" PRId64,
				 rj->users[i].unit_id);
		else if (rc != KT_OK)
			return rc;
		else
			memcpy(rj->units[i], u.code, sizeof(rj->units[i]));
	}
	return KT_OK;
}

static int user_list_run(struct store_tx *tx, struct worker_job *j)
{
	struct user_read_job *rj = container_of(job_of(j), struct user_read_job, base);
	int rc = store_user_list(tx, collect_user, rj);

	return rc != KT_OK ? rc : resolve_user_units(tx, rj);
}

static const char *user_state(const struct store_user *u)
{
	if (u->disabled)
		return "disabled";
	if (u->must_change_password)
		return "must change password";
	return "active";
}

static void user_list_done(struct worker_job *j, int rc)
{
	struct user_read_job *rj = container_of(job_of(j), struct user_read_job, base);
	struct admin_call *c = rj->base.call;
	struct table t = {.ncols = 6};
	char roles[128], live[16];

	if (rc != KT_OK) {
		fail(c, rc, rj->base.msg);
		user_read_free(rj);
		return;
	}
	table_row(&t, "USERNAME", "FULL NAME", "ROLES", "UNIT", "STATE", "ONLINE");
	for (size_t i = 0; i < rj->n; i++) {
		const struct store_user *u = &rj->users[i];
		unsigned n = live_connections(c->s, u->id);

		svc_roles_format(u->roles, roles, sizeof(roles));
		snprintf(live, sizeof(live), "%u", n);
		table_row(&t, u->username, u->full_name, roles[0] ? roles : "-",
			  rj->units[i][0] ? rj->units[i] : "-", user_state(u), n ? live : "-");
	}
	table_print(&t, c->out);
	table_free(&t);
	admin_printf(c->out, "%zu user(s)\n", rj->n);
	user_read_free(rj);
	finish(c, ADMIN_EXIT_OK);
}

static struct user_read_job *user_read_new(struct admin_call *c)
{
	struct user_read_job *rj = calloc(1, sizeof(*rj));

	if (!rj)
		fail(c, KT_ENOMEM, NULL);
	return rj;
}

static void cmd_user_list(struct admin_call *c)
{
	struct user_read_job *rj = user_read_new(c);

	if (rj)
		submit(c, &rj->base, user_list_run, NULL, user_list_done);
}

static int user_show_run(struct store_tx *tx, struct worker_job *j)
{
	struct user_read_job *rj = container_of(job_of(j), struct user_read_job, base);
	struct store_user u;
	int rc;

	rc = store_user_get_by_name(tx, rj->username, &u);
	if (rc == KT_ENOTFOUND)
		snprintf(rj->base.msg, sizeof(rj->base.msg), "no user '%s'", rj->username);
	if (rc != KT_OK)
		return rc;
	if ((rc = collect_user(&u, rj)) != KT_OK)
		return rc;
	sodium_memzero(&u, sizeof(u));
	if ((rc = resolve_user_units(tx, rj)) != KT_OK)
		return rc;
	return store_device_list(tx, rj->users[0].id, collect_device, rj);
}

struct show_conns {
	struct admin_out *out;
	int64_t user_id;
	uint64_t now;
	unsigned n;
};

static int show_conn(struct conn *conn, void *arg)
{
	struct show_conns *sc = arg;
	char since[32], idle[32];

	if (conn->user_id != sc->user_id || conn->state != CONN_OPEN)
		return 0;
	sc->n++;
	admin_printf(sc->out, "  #%" PRIu64 "  %s  since %s, idle %s  device %s\n", conn->id,
		     conn->peer, fmt_time(conn->connected_at, since, sizeof(since)),
		     fmt_duration(sc->now - conn->last_rx_ms, idle, sizeof(idle)), conn->device_fp);
	return 0;
}

static void user_show_done(struct worker_job *j, int rc)
{
	struct user_read_job *rj = container_of(job_of(j), struct user_read_job, base);
	struct admin_call *c = rj->base.call;
	struct admin_out *o = c->out;
	struct show_conns sc = {.out = o, .now = uv_now(c->s->loop)};
	char roles[128], t1[32], t2[32], fp[KT_FINGERPRINT_LEN];
	const struct store_user *u;

	if (rc != KT_OK) {
		fail(c, rc, rj->base.msg);
		user_read_free(rj);
		return;
	}
	u = &rj->users[0];
	svc_roles_format(u->roles, roles, sizeof(roles));
	admin_printf(o, "username:   %s\n", u->username);
	admin_printf(o, "full name:  %s\n", u->full_name);
	admin_printf(o, "roles:      %s\n", roles[0] ? roles : "-");
	admin_printf(o, "unit:       %s\n", rj->units[0][0] ? rj->units[0] : "-");
	admin_printf(o, "state:      %s\n", u->disabled ? "disabled" : "enabled");
	admin_printf(o, "password:   %s\n",
		     u->must_change_password ? "must be changed at the next login"
					     : "set by the user");
	admin_printf(o, "created:    %s\n", fmt_time(u->created_at, t1, sizeof(t1)));
	admin_printf(o, "updated:    %s\n", fmt_time(u->updated_at, t1, sizeof(t1)));
	admin_printf(o, "devices:    %zu\n", rj->ndevices);
	for (size_t i = 0; i < rj->ndevices; i++) {
		const struct store_device *d = &rj->devices[i];

		kt_fingerprint(d->pubkey, fp);
		admin_printf(o, "  %s  %s%s%s\n      enrolled %s, last seen %s\n", fp,
			     d->name[0] ? "\"" : "", d->name, d->name[0] ? "\"" : "",
			     fmt_time(d->enrolled_at, t1, sizeof(t1)),
			     fmt_time(d->last_seen_at, t2, sizeof(t2)));
		if (d->revoked)
			admin_printf(o, "      REVOKED\n");
	}
	sc.user_id = u->id;
	admin_printf(o, "live connections:\n");
	server_foreach_conn(c->s, show_conn, &sc);
	if (!sc.n)
		admin_printf(o, "  none\n");
	user_read_free(rj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_user_show(struct admin_call *c)
{
	struct user_read_job *rj = user_read_new(c);

	if (!rj)
		return;
	if (!copy_arg(c, rj->username, sizeof(rj->username), "username", c->argv[0])) {
		user_read_free(rj);
		return;
	}
	submit(c, &rj->base, user_show_run, NULL, user_show_done);
}

/* ---- sessions ----------------------------------------------------------------- */

struct session_walk {
	struct table *t;
	uint64_t now;
	unsigned n;
};

static int session_row(struct conn *conn, void *arg)
{
	struct session_walk *w = arg;
	char id[24], since[32], idle[32];
	const char *user = conn->username;

	if (conn->state == CONN_PREAMBLE || conn->state == CONN_HANDSHAKE)
		user = "(handshake)";
	else if (conn->state == CONN_CLOSING)
		user = "(closing)";
	else if (!conn->user_id)
		user = "(not logged in)";
	snprintf(id, sizeof(id), "%" PRIu64, conn->id);
	table_row(w->t, id, user, conn->peer, fmt_time(conn->connected_at, since, sizeof(since)),
		  fmt_duration(w->now - conn->last_rx_ms, idle, sizeof(idle)),
		  conn->device_fp[0] ? conn->device_fp : "-");
	w->n++;
	return 0;
}

static void cmd_session_list(struct admin_call *c)
{
	struct table t = {.ncols = 6};
	struct session_walk w = {.t = &t, .now = uv_now(c->s->loop)};

	table_row(&t, "ID", "USER", "PEER", "CONNECTED SINCE", "IDLE", "DEVICE");
	server_foreach_conn(c->s, session_row, &w);
	if (w.n)
		table_print(&t, c->out);
	table_free(&t);
	admin_printf(c->out, "%u connection(s)\n", w.n);
	finish(c, ADMIN_EXIT_OK);
}

struct find_user {
	const char *username;
	int64_t user_id;
};

static int find_user_conn(struct conn *conn, void *arg)
{
	struct find_user *fu = arg;

	if (conn->user_id && strcmp(conn->username, fu->username) == 0) {
		fu->user_id = conn->user_id;
		return 1;
	}
	return 0;
}

static void cmd_session_kick(struct admin_call *c)
{
	const char *user = opt(c, "user");
	struct find_user fu = {.username = user};
	char msg[160], *end;
	unsigned long long id;
	unsigned n;

	if ((c->argc == 1) == (user != NULL)) {
		usage(c, "give a connection ID or --user USERNAME");
		return;
	}
	if (user) {
		server_foreach_conn(c->s, find_user_conn, &fu);
		n = fu.user_id ? server_close_user(c->s, fu.user_id, CLOSE_KICKED,
						   "the administrator ended this session")
			       : 0;
		if (!n) {
			snprintf(msg, sizeof(msg), "user '%s' has no live connection", user);
			fail(c, KT_ENOTFOUND, msg);
			return;
		}
		admin_printf(c->out, "%u connection(s) of '%s' closed\n", n, user);
		finish(c, ADMIN_EXIT_OK);
		return;
	}
	errno = 0;
	id = strtoull(c->argv[0], &end, 10);
	if (errno || end == c->argv[0] || *end || c->argv[0][0] == '-') {
		usage(c, "'%s' is not a connection ID (see 'session list')", c->argv[0]);
		return;
	}
	n = server_close_conn(c->s, (uint64_t)id, CLOSE_KICKED,
			      "the administrator ended this session");
	if (!n) {
		snprintf(msg, sizeof(msg), "no connection with ID %llu (see 'session list')", id);
		fail(c, KT_ENOTFOUND, msg);
		return;
	}
	admin_printf(c->out, "connection %llu closed\n", id);
	finish(c, ADMIN_EXIT_OK);
}

/* ---- status, fingerprint, shutdown -------------------------------------------- */

struct status_job {
	struct admin_job base;
	int schema_version;
};

static int status_run(struct store *st, struct worker_job *j)
{
	struct status_job *sj = container_of(job_of(j), struct status_job, base);

	sj->schema_version = store_schema_version(st);
	return KT_OK;
}

static void status_done(struct worker_job *j, int rc)
{
	struct status_job *sj = container_of(job_of(j), struct status_job, base);
	struct admin_call *c = sj->base.call;
	struct server *s = c->s;
	struct admin_out *o = c->out;
	struct worker_stats ws;
	unsigned running = 0, waiting = 0;
	int64_t now = server_now_ms();
	char t1[32], t2[32];

	worker_get_stats(s->worker, &ws);
	auth_load(s->auth, &running, &waiting);
	admin_printf(o, "kiemtrad %s%s\n", KT_VERSION, s->stopping ? " (stopping)" : "");
	admin_printf(o, "listening on:     %s\n", s->listen_addr[0] ? s->listen_addr : "-");
	admin_printf(o, "fingerprint:      %s\n", s->fingerprint);
	admin_printf(o, "data directory:   %s\n", s->cfg.data_dir);
	if (rc == KT_OK)
		admin_printf(o, "schema version:   %d\n", sj->schema_version);
	else
		admin_printf(o, "schema version:   unknown (%s)\n", kt_strerror(rc));
	admin_printf(o, "started:          %s (up %s)\n", fmt_time(s->started_at, t1, sizeof(t1)),
		     fmt_duration(now > s->started_at ? (uint64_t)(now - s->started_at) : 0, t2,
				  sizeof(t2)));
	admin_printf(o, "connections:      %u open (at most %u), %u in handshake (at most %u)\n",
		     s->nconns, s->cfg.max_conns, s->nhandshakes, s->cfg.max_handshakes);
	admin_printf(o,
		     "since start:      %" PRIu64 " accepted, %" PRIu64 " refused, %" PRIu64
		     " handshakes failed\n",
		     s->stats.accepted, s->stats.refused, s->stats.handshakes_failed);
	admin_printf(o, "requests:         %" PRIu64 "\n", s->stats.requests);
	admin_printf(o, "logins:           %" PRIu64 " ok, %" PRIu64 " failed\n",
		     s->stats.logins_ok, s->stats.logins_failed);
	admin_printf(o,
		     "storage worker:   %u queued, %" PRIu64 " jobs in %" PRIu64
		     " batches, %" PRIu64 " commits failed, %" PRIu64 " groups run again\n",
		     ws.queued, ws.jobs, ws.batches, ws.commits_failed, ws.groups_redone);
	if (ws.pipelined)
		admin_printf(o,
			     "log flushes:      %" PRIu64 " (pipelined with the commits), %" PRIu64
			     " failed\n",
			     ws.syncs, ws.syncs_failed);
	else
		admin_printf(o, "log flushes:      one per commit (" WORKER_SYNC_ENV "=commit)\n");
	admin_printf(o, "password hashes:  %u running, %u waiting\n", running, waiting);
	free(sj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_status(struct admin_call *c)
{
	struct status_job *sj = calloc(1, sizeof(*sj));

	if (!sj) {
		fail(c, KT_ENOMEM, NULL);
		return;
	}
	submit(c, &sj->base, NULL, status_run, status_done);
}

static void cmd_fingerprint(struct admin_call *c)
{
	admin_printf(c->out, "%s\n", c->s->fingerprint);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_shutdown(struct admin_call *c)
{
	struct server *s = c->s;

	/* Stop first: the console then answers without a new prompt, and the socket still answers.
	 */
	admin_printf(c->out, "stopping the server: clients are told goodbye, then it exits\n");
	server_stop(s);
	finish(c, ADMIN_EXIT_OK);
}

/* ---- backup, audit ------------------------------------------------------------ */

struct backup_job {
	struct admin_job base;
	char path[PATH_MAX];
	int64_t size;
	int integrity;	 /* store_integrity_check()'s code */
	char check[256]; /* and its message */
};

/*
 * The copy is checked through the database it was taken from: run_raw jobs
 * run alone, so nothing is written between the copy and the check, and the
 * store has no way to open a file other than <data>/kiemtra.db.
 */
static int backup_run(struct store *st, struct worker_job *j)
{
	struct backup_job *bj = container_of(job_of(j), struct backup_job, base);
	struct stat sb;
	int rc;

	rc = store_backup(st, bj->path);
	if (rc == KT_EEXIST)
		snprintf(bj->base.msg, sizeof(bj->base.msg), "%.400s already exists", bj->path);
	else if (rc == KT_ENOTFOUND)
		snprintf(bj->base.msg, sizeof(bj->base.msg),
			 "the directory of %.400s does not exist", bj->path);
	else if (rc != KT_OK)
		snprintf(bj->base.msg, sizeof(bj->base.msg), "cannot write %.400s", bj->path);
	if (rc != KT_OK)
		return rc;
	bj->size = stat(bj->path, &sb) == 0 ? (int64_t)sb.st_size : -1;
	bj->integrity = store_integrity_check(st, bj->check, sizeof(bj->check));
	return KT_OK;
}

static void backup_done(struct worker_job *j, int rc)
{
	struct backup_job *bj = container_of(job_of(j), struct backup_job, base);
	struct admin_call *c = bj->base.call;
	int code = ADMIN_EXIT_OK;

	if (rc != KT_OK) {
		fail(c, rc, bj->base.msg);
		free(bj);
		return;
	}
	if (bj->integrity == KT_OK) {
		admin_printf(c->out, "backup written to %s (%" PRId64 " bytes), integrity ok\n",
			     bj->path, bj->size);
	} else {
		admin_printf(c->out, "backup written to %s (%" PRId64 " bytes)\n", bj->path,
			     bj->size);
		admin_eprintf(c->out, "error: integrity check FAILED: %s: %s\n",
			      kt_strerror(bj->integrity), bj->check);
		code = ADMIN_EXIT_FAILED;
	}
	free(bj);
	finish(c, code);
}

static void cmd_backup(struct admin_call *c)
{
	const char *arg = c->argv[0];
	struct backup_job *bj;
	struct stat sb;
	char msg[PATH_MAX + 64];
	int n;

	if (!*arg) {
		usage(c, "the backup file name is empty");
		return;
	}
	if (!(bj = calloc(1, sizeof(*bj)))) {
		fail(c, KT_ENOMEM, NULL);
		return;
	}
	if (arg[0] == '/')
		n = snprintf(bj->path, sizeof(bj->path), "%s", arg);
	else
		n = snprintf(bj->path, sizeof(bj->path), "%s/%s", c->s->cfg.data_dir, arg);
	if (n < 0 || (size_t)n >= sizeof(bj->path)) {
		free(bj);
		fail(c, KT_ETOOBIG, "the backup path is too long");
		return;
	}
	if (lstat(bj->path, &sb) == 0) {
		snprintf(msg, sizeof(msg), "%s already exists; give a new file name", bj->path);
		free(bj);
		fail(c, KT_EEXIST, msg);
		return;
	}
	submit(c, &bj->base, NULL, backup_run, backup_done);
}

struct audit_job {
	struct admin_job base;
	int64_t rows, bad_id;
	uint8_t head[32];
	bool broken;
};

static int audit_run(struct store_tx *tx, struct worker_job *j)
{
	struct audit_job *aj = container_of(job_of(j), struct audit_job, base);
	int rc = store_audit_verify_head(tx, &aj->rows, &aj->bad_id, aj->head);

	/* A broken chain is a result to report, not a failed job. */
	if (rc == KT_ECORRUPT) {
		aj->broken = true;
		return KT_OK;
	}
	return rc;
}

static void audit_done(struct worker_job *j, int rc)
{
	struct audit_job *aj = container_of(job_of(j), struct audit_job, base);
	struct admin_call *c = aj->base.call;
	int code = ADMIN_EXIT_OK;

	if (rc != KT_OK) {
		fail(c, rc, aj->base.msg);
		free(aj);
		return;
	}
	if (aj->broken) {
		admin_printf(c->out, "audit chain BROKEN at row %" PRId64 "\n", aj->bad_id);
		admin_eprintf(c->out,
			      "error: the audit log was altered, or rows were removed or "
			      "reordered, at row %" PRId64 "\n",
			      aj->bad_id);
		code = ADMIN_EXIT_FAILED;
	} else {
		char hex[65];

		sodium_bin2hex(hex, sizeof(hex), aj->head, sizeof(aj->head));
		admin_printf(c->out, "audit chain intact: %" PRId64 " rows, head %s\n", aj->rows,
			     hex);
		admin_printf(c->out, "(keep the count and head: rows cut off the end show only "
				     "by comparison)\n");
	}
	free(aj);
	finish(c, code);
}

static void cmd_audit_verify(struct admin_call *c)
{
	struct audit_job *aj = calloc(1, sizeof(*aj));

	if (!aj) {
		fail(c, KT_ENOMEM, NULL);
		return;
	}
	submit(c, &aj->base, audit_run, NULL, audit_done);
}

/* ---- fault injection (testing aids) ---------------------------------------------- */

/*
 * 'fault set' and 'fault clear' steer the storage fault shim of
 * server/store/db_faultvfs.h, for tests of a failing disk: they refuse unless
 * the server was started with KIEMTRAD_FAULTS (e.g. =none). They run on the
 * loop thread; the shim's state has its own lock.
 */
static void cmd_fault_set(struct admin_call *c)
{
	char msg[256];
	int rc = db_fault_set(c->argv[0], msg, sizeof(msg));
	struct db_fault_stats fst;

	if (rc != KT_OK) {
		fail(c, rc, msg);
		return;
	}
	db_fault_get(&fst);
	admin_printf(c->out, "storage faults set: %s (testing aid; 'fault clear' ends them)\n",
		     fst.spec);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_fault_clear(struct admin_call *c)
{
	struct db_fault_stats fst;

	db_fault_get(&fst);
	if (db_fault_clear() != KT_OK) {
		fail(c, KT_ESTATE,
		     "fault injection is off: start kiemtrad with " DB_FAULT_ENV "=none to allow "
		     "it (a testing aid)");
		return;
	}
	admin_printf(c->out,
		     "storage faults cleared (were %s: %" PRIu64 " calls failed; %" PRIu64
		     " reads, %" PRIu64 " writes, %" PRIu64 " syncs seen)\n",
		     fst.spec, fst.failed, fst.reads, fst.writes, fst.syncs);
	finish(c, ADMIN_EXIT_OK);
}

/* ---- units -------------------------------------------------------------------- */

/*
 * Kind names: the service's English words, and the Vietnamese words an
 * administrator is likely to type (compared folded, so with or without
 * diacritics). A city of a province is a district-level unit.
 */
/* clang-format off */
static const struct {
	const char *word;
	int kind;
} kind_aliases[] = {
	{ "tinh", 1 },
	{ "city", 2 },
	{ "huyen", 2 },
	{ "quan", 2 },
	{ "thi xa", 2 },
	{ "xa", 3 },
	{ "phuong", 4 },
	{ "thi tran", 5 },
	{ "so", 6 },
	{ "phong", 7 },
	{ "van phong", 7 },
	{ "khac", 8 },
};
/* clang-format on */

static int kind_parse(const char *name)
{
	char folded[64];
	int kind = svc_unit_kind_parse(name);

	if (kind > 0)
		return kind;
	if (kt_fold(name, strlen(name), folded, sizeof(folded)) >= sizeof(folded))
		return KT_EINVAL;
	kind = svc_unit_kind_parse(folded);
	if (kind > 0)
		return kind;
	for (size_t i = 0; i < sizeof(kind_aliases) / sizeof(kind_aliases[0]); i++)
		if (strcmp(folded, kind_aliases[i].word) == 0)
			return kind_aliases[i].kind;
	return KT_EINVAL;
}

static const char *kind_name(int kind)
{
	const char *n = svc_unit_kind_name(kind);

	return *n ? n : "?";
}

/* "CODE (Name)" of a unit id, for messages; "-" for 0. */
struct unit_label {
	char text[STORE_CODE_MAX + STORE_NAME_MAX + 8];
};

static int label_unit(struct store_tx *tx, int64_t id, struct unit_label *l)
{
	struct store_unit u;
	int rc;

	if (!id) {
		snprintf(l->text, sizeof(l->text), "-");
		return KT_OK;
	}
	rc = store_unit_get(tx, id, &u);
	if (rc == KT_ENOTFOUND) {
		snprintf(l->text, sizeof(l->text), "#%" PRId64, id);
		return KT_OK;
	}
	if (rc != KT_OK)
		return rc;
	snprintf(l->text, sizeof(l->text), "%s (%s)", u.code, u.name);
	return KT_OK;
}

/* The unit with code, or KT_ENOTFOUND with a sentence in msg. */
static int unit_by_code(struct store_tx *tx, const char *code, struct store_unit *u, char *msg,
			size_t cap)
{
	int rc = store_unit_get_by_code(tx, code, u);

	if (rc == KT_ENOTFOUND)
		snprintf(msg, cap, "no unit with code '%s' (try 'unit find WORDS')", code);
	return rc;
}

/* One job type for every unit change. */
struct unit_job {
	struct admin_job base;
	char code[STORE_CODE_MAX + 1];
	char other[STORE_CODE_MAX + 1]; /* add, move: the parent; merge: the target */
	char name[STORE_NAME_MAX + 1];
	char note[STORE_NOTE_MAX + 1];
	const char *note_p; /* note, or NULL when none was given */
	int kind;
	bool root;		  /* move: to the top of the tree */
	struct store_unit unit;	  /* the unit before the change */
	struct store_unit target; /* the parent (add, move) or the target (merge) */
	struct store_unit after;  /* what the service returned */
	int64_t children;	  /* merge: active children moved */
	void (*on_done)(struct unit_job *uj);
};

static struct unit_job *unit_job_new(struct admin_call *c, void (*on_done)(struct unit_job *))
{
	struct unit_job *uj = calloc(1, sizeof(*uj));
	const char *note = opt(c, "note");

	if (!uj) {
		fail(c, KT_ENOMEM, NULL);
		return NULL;
	}
	uj->base.call = c;
	uj->on_done = on_done;
	if (!copy_arg(c, uj->code, sizeof(uj->code), "unit code", c->argv[0])) {
		free(uj);
		return NULL;
	}
	if (note) {
		if (!copy_arg(c, uj->note, sizeof(uj->note), "note", note)) {
			free(uj);
			return NULL;
		}
		uj->note_p = uj->note;
	}
	return uj;
}

static void unit_job_done(struct worker_job *j, int rc)
{
	struct unit_job *uj = container_of(job_of(j), struct unit_job, base);
	struct admin_call *c = uj->base.call;

	if (rc != KT_OK) {
		fail(c, rc, uj->base.msg);
		free(uj);
		return;
	}
	uj->on_done(uj);
	free(uj);
}

#define UJ(j) container_of(job_of(j), struct unit_job, base)
#define UMSG(uj) (uj)->base.msg, sizeof((uj)->base.msg)
#define CONSOLE_ACTOR(uj) 0, (uj)->base.call->actor.name, 0, (uj)->base.call->actor.now

static int unit_add_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_job *uj = UJ(j);
	int rc;

	if (uj->other[0] && (rc = unit_by_code(tx, uj->other, &uj->target, UMSG(uj))) != KT_OK)
		return rc;
	if (uj->other[0] && uj->target.status == UNIT_STATUS_MERGED) {
		snprintf(UMSG(uj),
			 "unit '%s' was merged into another unit; choose an active parent",
			 uj->other);
		return KT_ESTATE;
	}
	return svc_unit_add(tx, uj->code, uj->name, uj->kind, uj->other[0] ? uj->target.id : 0,
			    CONSOLE_ACTOR(uj), &uj->after, UMSG(uj));
}

static void unit_add_done(struct unit_job *uj)
{
	struct admin_out *o = uj->base.call->out;

	admin_printf(o, "unit '%s' added: %s (%s)", uj->after.code, uj->after.name,
		     kind_name(uj->after.kind));
	if (uj->other[0])
		admin_printf(o, " under %s (%s)", uj->target.code, uj->target.name);
	admin_printf(o, "\n");
	finish(uj->base.call, ADMIN_EXIT_OK);
}

static void cmd_unit_add(struct admin_call *c)
{
	const char *kind = opt(c, "kind"), *parent = opt(c, "parent");
	struct unit_job *uj;
	int k;

	if (!kind) {
		usage(c, "--kind KIND is required (see 'help unit add')");
		return;
	}
	if ((k = kind_parse(kind)) < 0) {
		usage(c,
		      "unknown kind '%s' (province, district, commune, ward, town, department, "
		      "office, other)",
		      kind);
		return;
	}
	if (!(uj = unit_job_new(c, unit_add_done)))
		return;
	uj->kind = k;
	if (!copy_arg(c, uj->name, sizeof(uj->name), "unit name", c->argv[1]) ||
	    !copy_arg(c, uj->other, sizeof(uj->other), "parent code", parent ? parent : "")) {
		free(uj);
		return;
	}
	submit(c, &uj->base, unit_add_run, NULL, unit_job_done);
}

/* The unit named by uj->code, which must still be active for a change. */
static int unit_active(struct store_tx *tx, struct unit_job *uj, const char *code,
		       struct store_unit *u, const char *doing)
{
	struct unit_label into;
	int rc = unit_by_code(tx, code, u, UMSG(uj));

	if (rc != KT_OK)
		return rc;
	if (u->status != UNIT_STATUS_MERGED)
		return KT_OK;
	if ((rc = label_unit(tx, u->merged_into, &into)) != KT_OK)
		return rc;
	snprintf(UMSG(uj), "unit '%s' was merged into %s and cannot be %s", code, into.text, doing);
	return KT_ESTATE;
}

static int unit_rename_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_job *uj = UJ(j);
	int rc;

	if ((rc = unit_active(tx, uj, uj->code, &uj->unit, "renamed")) != KT_OK)
		return rc;
	return svc_unit_rename(tx, uj->unit.id, 0, uj->name, uj->note_p, CONSOLE_ACTOR(uj),
			       &uj->after, UMSG(uj));
}

static void unit_rename_done(struct unit_job *uj)
{
	struct admin_out *o = uj->base.call->out;

	if (strcmp(uj->unit.name, uj->after.name) == 0)
		admin_printf(o, "unit '%s' is already named %s; nothing changed\n", uj->code,
			     uj->after.name);
	else
		admin_printf(o, "unit '%s' renamed: %s -> %s\n", uj->code, uj->unit.name,
			     uj->after.name);
	finish(uj->base.call, ADMIN_EXIT_OK);
}

static void cmd_unit_rename(struct admin_call *c)
{
	struct unit_job *uj = unit_job_new(c, unit_rename_done);

	if (!uj)
		return;
	if (!copy_arg(c, uj->name, sizeof(uj->name), "unit name", c->argv[1])) {
		free(uj);
		return;
	}
	submit(c, &uj->base, unit_rename_run, NULL, unit_job_done);
}

static int unit_move_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_job *uj = UJ(j);
	int rc;

	if ((rc = unit_active(tx, uj, uj->code, &uj->unit, "moved")) != KT_OK)
		return rc;
	if (!uj->root) {
		rc = unit_active(tx, uj, uj->other, &uj->target, "a parent");
		if (rc != KT_OK)
			return rc;
	}
	return svc_unit_move(tx, uj->unit.id, uj->root ? 0 : uj->target.id, uj->note_p,
			     CONSOLE_ACTOR(uj), &uj->after, UMSG(uj));
}

static void unit_move_done(struct unit_job *uj)
{
	struct admin_out *o = uj->base.call->out;

	if (uj->unit.parent_id == uj->after.parent_id)
		admin_printf(o, "unit '%s' is already there; nothing changed\n", uj->code);
	else if (uj->root)
		admin_printf(o, "unit '%s' (%s) moved to the top of the tree\n", uj->code,
			     uj->unit.name);
	else
		admin_printf(o, "unit '%s' (%s) moved under %s (%s)\n", uj->code, uj->unit.name,
			     uj->target.code, uj->target.name);
	finish(uj->base.call, ADMIN_EXIT_OK);
}

static void cmd_unit_move(struct admin_call *c)
{
	const char *parent = opt(c, "parent");
	struct unit_job *uj;

	if (!parent == !flag(c, "root")) {
		usage(c, "give either --parent CODE or --root");
		return;
	}
	if (!(uj = unit_job_new(c, unit_move_done)))
		return;
	uj->root = !parent;
	if (parent && !copy_arg(c, uj->other, sizeof(uj->other), "parent code", parent)) {
		free(uj);
		return;
	}
	submit(c, &uj->base, unit_move_run, NULL, unit_job_done);
}

static int count_child(const struct store_unit *u, void *arg)
{
	(*(int64_t *)arg)++;
	return 0;
}

static int unit_merge_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_job *uj = UJ(j);
	int rc;

	if ((rc = unit_active(tx, uj, uj->code, &uj->unit, "merged again")) != KT_OK ||
	    (rc = unit_active(tx, uj, uj->other, &uj->target, "the target of a merger")) != KT_OK)
		return rc;
	rc = store_unit_list(tx, uj->unit.id, false, 0, 0, count_child, &uj->children);
	if (rc != KT_OK)
		return rc;
	return svc_unit_merge(tx, uj->unit.id, uj->target.id, uj->note_p, CONSOLE_ACTOR(uj),
			      &uj->after, UMSG(uj));
}

static void unit_merge_done(struct unit_job *uj)
{
	struct admin_out *o = uj->base.call->out;

	admin_printf(o, "unit '%s' (%s) merged into '%s' (%s)", uj->code, uj->unit.name,
		     uj->target.code, uj->target.name);
	if (uj->children)
		admin_printf(o, "; its %" PRId64 " unit(s) now belong to '%s'", uj->children,
			     uj->target.code);
	admin_printf(o, "\nits history stays readable: 'unit history %s'\n", uj->code);
	finish(uj->base.call, ADMIN_EXIT_OK);
}

static void cmd_unit_merge(struct admin_call *c)
{
	struct unit_job *uj = unit_job_new(c, unit_merge_done);

	if (!uj)
		return;
	if (!copy_arg(c, uj->other, sizeof(uj->other), "unit code", c->argv[1])) {
		free(uj);
		return;
	}
	submit(c, &uj->base, unit_merge_run, NULL, unit_job_done);
}

/* unit list / find / show: read jobs collecting units. */
struct unit_read_job {
	struct admin_job base;
	char code[STORE_CODE_MAX + 1]; /* show, or list --parent */
	char query[ADMIN_MAX_ARG];     /* find */
	bool all;		       /* include merged units */
	struct store_unit unit;	       /* show, list --parent */
	struct store_unit *units;      /* list, find; show: the children */
	size_t n, cap;
	struct unit_label *labels; /* find: each unit's parent; show: path, merged_into */
	size_t nlabels;
};

static void unit_read_free(struct unit_read_job *rj)
{
	if (!rj)
		return;
	free(rj->units);
	free(rj->labels);
	free(rj);
}

static int collect_unit(const struct store_unit *u, void *arg)
{
	struct unit_read_job *rj = arg;
	struct store_unit *slot = grow((void **)&rj->units, &rj->n, &rj->cap, sizeof(*u));

	if (!slot)
		return KT_ENOMEM;
	*slot = *u;
	return 0;
}

static struct unit_read_job *unit_read_new(struct admin_call *c)
{
	struct unit_read_job *rj = calloc(1, sizeof(*rj));

	if (!rj)
		fail(c, KT_ENOMEM, NULL);
	else
		rj->all = flag(c, "all");
	return rj;
}

static void unit_read_fail(struct unit_read_job *rj, int rc)
{
	fail(rj->base.call, rc, rj->base.msg);
	unit_read_free(rj);
}

static const char *unit_state(const struct store_unit *u, const struct unit_label *into, char *buf,
			      size_t cap)
{
	if (u->status != UNIT_STATUS_MERGED)
		return "";
	snprintf(buf, cap, "merged into %s", into ? into->text : "another unit");
	return buf;
}

static int unit_list_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_read_job *rj = container_of(job_of(j), struct unit_read_job, base);
	int rc;

	if (rj->code[0] && (rc = unit_by_code(tx, rj->code, &rj->unit, UMSG(rj))) != KT_OK)
		return rc;
	rc = store_unit_list(tx, rj->code[0] ? rj->unit.id : 0, rj->all, 0, 0, collect_unit, rj);
	if (rc != KT_OK || !rj->all)
		return rc;
	/* The targets of merged units, by code. */
	rj->labels = calloc(rj->n ? rj->n : 1, sizeof(*rj->labels));
	if (!rj->labels)
		return KT_ENOMEM;
	rj->nlabels = rj->n;
	for (size_t i = 0; i < rj->n; i++)
		if (rj->units[i].merged_into &&
		    (rc = label_unit(tx, rj->units[i].merged_into, &rj->labels[i])) != KT_OK)
			return rc;
	return KT_OK;
}

/* Index of the unit with id in units sorted by id, or -1. */
static long unit_index(const struct store_unit *units, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (units[mid].id == id)
			return (long)mid;
		if (units[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Rows of the tree view: each unit under its parent, children in creation order. */
static int unit_tree(struct unit_read_job *rj, struct table *t)
{
	size_t n = rj->n;
	long *first = malloc((n + 1) * sizeof(long)), *next = malloc((n + 1) * sizeof(long));
	long *last = malloc((n + 1) * sizeof(long)), *up = malloc((n + 1) * sizeof(long));
	char indent[2 * 32 + STORE_CODE_MAX + 1], state[sizeof(struct unit_label) + 16];
	unsigned depth = 0;
	int rc = KT_ENOMEM;
	long k;

	if (!first || !next || !last || !up)
		goto out;
	/* Slot n is a virtual root holding every unit whose parent is not listed. */
	for (size_t i = 0; i <= n; i++)
		first[i] = next[i] = last[i] = -1;
	for (size_t i = 0; i < n; i++) {
		long p =
		    rj->units[i].parent_id ? unit_index(rj->units, n, rj->units[i].parent_id) : -1;
		size_t parent = p < 0 || (size_t)p == i ? n : (size_t)p;

		up[i] = parent == n ? -1 : (long)parent;
		if (last[parent] < 0)
			first[parent] = (long)i;
		else
			next[last[parent]] = (long)i;
		last[parent] = (long)i;
	}
	/* Depth first without recursion: down to the first child, else on to a sibling. */
	k = first[n];
	while (k >= 0) {
		const struct store_unit *u = &rj->units[k];

		snprintf(indent, sizeof(indent), "%*s%s", (int)(2 * (depth > 32 ? 32 : depth)), "",
			 u->code);
		table_row(t, indent, u->name, kind_name(u->kind),
			  unit_state(u, rj->labels ? &rj->labels[k] : NULL, state, sizeof(state)));
		if (first[k] >= 0) {
			k = first[k];
			depth++;
			continue;
		}
		while (k >= 0 && next[k] < 0) {
			k = up[k];
			depth--;
		}
		if (k >= 0)
			k = next[k];
	}
	rc = KT_OK;
out:
	free(first);
	free(next);
	free(last);
	free(up);
	return rc;
}

static void unit_list_done(struct worker_job *j, int rc)
{
	struct unit_read_job *rj = container_of(job_of(j), struct unit_read_job, base);
	struct admin_call *c = rj->base.call;
	struct table t = {.ncols = 4};
	char state[sizeof(struct unit_label) + 16];

	if (rc != KT_OK) {
		unit_read_fail(rj, rc);
		return;
	}
	table_row(&t, "CODE", "NAME", "KIND", "");
	if (rj->code[0]) {
		for (size_t i = 0; i < rj->n; i++)
			table_row(&t, rj->units[i].code, rj->units[i].name,
				  kind_name(rj->units[i].kind),
				  unit_state(&rj->units[i], rj->labels ? &rj->labels[i] : NULL,
					     state, sizeof(state)));
	} else if ((rc = unit_tree(rj, &t)) != KT_OK) {
		table_free(&t);
		unit_read_fail(rj, rc);
		return;
	}
	if (rj->n)
		table_print(&t, c->out);
	table_free(&t);
	if (rj->code[0])
		admin_printf(c->out, "%zu unit(s) directly under %s (%s)\n", rj->n, rj->unit.code,
			     rj->unit.name);
	else
		admin_printf(c->out, "%zu unit(s)%s\n", rj->n,
			     rj->all ? "" : " (merged units hidden; --all shows them)");
	unit_read_free(rj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_unit_list(struct admin_call *c)
{
	const char *parent = opt(c, "parent");
	struct unit_read_job *rj = unit_read_new(c);

	if (!rj)
		return;
	if (parent && !copy_arg(c, rj->code, sizeof(rj->code), "parent code", parent)) {
		unit_read_free(rj);
		return;
	}
	submit(c, &rj->base, unit_list_run, NULL, unit_list_done);
}

static int unit_find_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_read_job *rj = container_of(job_of(j), struct unit_read_job, base);
	int rc;

	rc = store_unit_find(tx, rj->query, rj->all, FIND_LIMIT + 1, collect_unit, rj);
	if (rc != KT_OK)
		return rc;
	/* Two labels per match: where it is, and what it was merged into. */
	rj->labels = calloc(2 * rj->n + 1, sizeof(*rj->labels));
	if (!rj->labels)
		return KT_ENOMEM;
	rj->nlabels = 2 * rj->n;
	for (size_t i = 0; i < rj->n; i++) {
		if ((rc = label_unit(tx, rj->units[i].parent_id, &rj->labels[2 * i])) != KT_OK)
			return rc;
		if (rj->units[i].merged_into && (rc = label_unit(tx, rj->units[i].merged_into,
								 &rj->labels[2 * i + 1])) != KT_OK)
			return rc;
	}
	return KT_OK;
}

static void unit_find_done(struct worker_job *j, int rc)
{
	struct unit_read_job *rj = container_of(job_of(j), struct unit_read_job, base);
	struct admin_call *c = rj->base.call;
	struct table t = {.ncols = 5};
	char state[sizeof(struct unit_label) + 16];
	size_t shown;

	if (rc != KT_OK) {
		unit_read_fail(rj, rc);
		return;
	}
	if (!rj->n) {
		admin_printf(c->out, "no unit matches '%s'%s\n", rj->query,
			     rj->all ? "" : " (--all also searches merged units)");
		unit_read_free(rj);
		finish(c, ADMIN_EXIT_OK);
		return;
	}
	shown = rj->n > FIND_LIMIT ? FIND_LIMIT : rj->n;
	table_row(&t, "CODE", "NAME", "KIND", "IN", "");
	for (size_t i = 0; i < shown; i++)
		table_row(&t, rj->units[i].code, rj->units[i].name, kind_name(rj->units[i].kind),
			  rj->labels[2 * i].text,
			  unit_state(&rj->units[i], &rj->labels[2 * i + 1], state, sizeof(state)));
	table_print(&t, c->out);
	table_free(&t);
	if (rj->n > FIND_LIMIT)
		admin_printf(c->out,
			     "(only the first %d matches are shown; add words to narrow "
			     "the search)\n",
			     FIND_LIMIT);
	unit_read_free(rj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_unit_find(struct admin_call *c)
{
	struct unit_read_job *rj = unit_read_new(c);
	size_t o = 0;

	if (!rj)
		return;
	for (int i = 0; i < c->argc; i++) {
		int n = snprintf(rj->query + o, sizeof(rj->query) - o, "%s%s", i ? " " : "",
				 c->argv[i]);

		if (n < 0 || (size_t)n >= sizeof(rj->query) - o) {
			unit_read_free(rj);
			fail(c, KT_ETOOBIG, "the search words are too long");
			return;
		}
		o += (size_t)n;
	}
	if (!kt_utf8_valid(rj->query, o)) {
		unit_read_free(rj);
		fail(c, KT_EUTF8, "the search words are not valid UTF-8");
		return;
	}
	submit(c, &rj->base, unit_find_run, NULL, unit_find_done);
}

#define PATH_MAX_DEPTH 16 /* ancestors shown by 'unit show' */

static int unit_show_run(struct store_tx *tx, struct worker_job *j)
{
	struct unit_read_job *rj = container_of(job_of(j), struct unit_read_job, base);
	struct store_unit anc;
	int64_t id;
	int rc;

	if ((rc = unit_by_code(tx, rj->code, &rj->unit, UMSG(rj))) != KT_OK)
		return rc;
	rc = store_unit_list(tx, rj->unit.id, true, 0, 0, collect_unit, rj);
	if (rc != KT_OK)
		return rc;
	/* labels[0]: merged into; labels[1..]: the ancestors, nearest first. */
	rj->labels = calloc(PATH_MAX_DEPTH + 1, sizeof(*rj->labels));
	if (!rj->labels)
		return KT_ENOMEM;
	if ((rc = label_unit(tx, rj->unit.merged_into, &rj->labels[0])) != KT_OK)
		return rc;
	rj->nlabels = 1;
	for (id = rj->unit.parent_id; id && rj->nlabels <= PATH_MAX_DEPTH; id = anc.parent_id) {
		if ((rc = store_unit_get(tx, id, &anc)) != KT_OK)
			return rc;
		snprintf(rj->labels[rj->nlabels].text, sizeof(rj->labels[0].text), "%s (%s)",
			 anc.code, anc.name);
		rj->nlabels++;
	}
	return KT_OK;
}

static void unit_show_done(struct worker_job *j, int rc)
{
	struct unit_read_job *rj = container_of(job_of(j), struct unit_read_job, base);
	struct admin_call *c = rj->base.call;
	struct admin_out *o = c->out;
	const struct store_unit *u = &rj->unit;
	size_t active = 0;
	char t1[32];

	if (rc != KT_OK) {
		unit_read_fail(rj, rc);
		return;
	}
	admin_printf(o, "code:      %s\n", u->code);
	admin_printf(o, "name:      %s\n", u->name);
	admin_printf(o, "kind:      %s\n", kind_name(u->kind));
	if (u->status == UNIT_STATUS_MERGED)
		admin_printf(o, "status:    merged into %s\n", rj->labels[0].text);
	else
		admin_printf(o, "status:    active\n");
	admin_printf(o, "parent:    %s\n", rj->nlabels > 1 ? rj->labels[1].text : "- (top level)");
	if (rj->nlabels > 2) {
		admin_printf(o, "path:      ");
		for (size_t i = rj->nlabels - 1; i >= 1; i--)
			admin_printf(o, "%s > ", rj->labels[i].text);
		admin_printf(o, "%s\n", u->code);
	}
	admin_printf(o, "created:   %s\n", fmt_time(u->created_at, t1, sizeof(t1)));
	admin_printf(o, "updated:   %s (version %" PRId64 ")\n",
		     fmt_time(u->updated_at, t1, sizeof(t1)), u->version);
	for (size_t i = 0; i < rj->n; i++)
		active += rj->units[i].status != UNIT_STATUS_MERGED;
	admin_printf(o, "units under it: %zu", active);
	if (rj->n > active)
		admin_printf(o, " (and %zu merged)", rj->n - active);
	admin_printf(o, "\n");
	for (size_t i = 0; i < rj->n; i++)
		if (rj->units[i].status != UNIT_STATUS_MERGED)
			admin_printf(o, "  %s  %s (%s)\n", rj->units[i].code, rj->units[i].name,
				     kind_name(rj->units[i].kind));
	unit_read_free(rj);
	finish(c, ADMIN_EXIT_OK);
}

static void cmd_unit_show(struct admin_call *c)
{
	struct unit_read_job *rj = unit_read_new(c);

	if (!rj)
		return;
	if (!copy_arg(c, rj->code, sizeof(rj->code), "unit code", c->argv[0])) {
		unit_read_free(rj);
		return;
	}
	submit(c, &rj->base, unit_show_run, NULL, unit_show_done);
}

/* unit history: the events, with every unit they name resolved to code and name. */
struct history_event {
	struct store_unit_event e;
	struct unit_label old_parent, new_parent, other;
};

struct history_job {
	struct admin_job base;
	char code[STORE_CODE_MAX + 1];
	struct store_unit unit;
	struct history_event *events;
	size_t n, cap;
};

static int collect_event(const struct store_unit_event *e, void *arg)
{
	struct history_job *hj = arg;
	struct history_event *slot = grow((void **)&hj->events, &hj->n, &hj->cap, sizeof(*slot));

	if (!slot)
		return KT_ENOMEM;
	memset(slot, 0, sizeof(*slot));
	slot->e = *e;
	return 0;
}

static int unit_history_run(struct store_tx *tx, struct worker_job *j)
{
	struct history_job *hj = container_of(job_of(j), struct history_job, base);
	int rc;

	if ((rc = unit_by_code(tx, hj->code, &hj->unit, UMSG(hj))) != KT_OK)
		return rc;
	if ((rc = store_unit_history(tx, hj->unit.id, collect_event, hj)) != KT_OK)
		return rc;
	for (size_t i = 0; i < hj->n; i++) {
		struct history_event *h = &hj->events[i];

		if ((rc = label_unit(tx, h->e.old_parent_id, &h->old_parent)) != KT_OK ||
		    (rc = label_unit(tx, h->e.new_parent_id, &h->new_parent)) != KT_OK ||
		    (rc = label_unit(tx, h->e.other_unit_id, &h->other)) != KT_OK)
			return rc;
	}
	return KT_OK;
}

static void history_line(struct admin_out *o, const struct history_event *h)
{
	const struct store_unit_event *e = &h->e;
	char at[32];

	admin_printf(o, "%s  ", fmt_time(e->at, at, sizeof(at)));
	switch (e->kind) {
	case 1:
		admin_printf(o, "created   %s", e->new_name);
		if (e->new_parent_id)
			admin_printf(o, ", under %s", h->new_parent.text);
		break;
	case 2:
		admin_printf(o, "renamed   %s -> %s", e->old_name, e->new_name);
		break;
	case 3:
		admin_printf(o, "moved     from %s to %s",
			     e->old_parent_id ? h->old_parent.text : "the top level",
			     e->new_parent_id ? h->new_parent.text : "the top level");
		break;
	case 4:
		admin_printf(o, "merged    into %s", h->other.text);
		break;
	case 5:
		admin_printf(o, "absorbed  %s", h->other.text);
		break;
	default:
		admin_printf(o, "event %d", e->kind);
		break;
	}
	admin_printf(o, "  (by %s)\n", e->actor[0] ? e->actor : "?");
	if (e->note[0])
		admin_printf(o, "%21s note: %s\n", "", e->note);
}

static void unit_history_done(struct worker_job *j, int rc)
{
	struct history_job *hj = container_of(job_of(j), struct history_job, base);
	struct admin_call *c = hj->base.call;

	if (rc == KT_OK) {
		admin_printf(c->out, "history of %s (%s):\n", hj->unit.code, hj->unit.name);
		for (size_t i = 0; i < hj->n; i++)
			history_line(c->out, &hj->events[i]);
		finish(c, ADMIN_EXIT_OK);
	} else {
		fail(c, rc, hj->base.msg);
	}
	free(hj->events);
	free(hj);
}

static void cmd_unit_history(struct admin_call *c)
{
	struct history_job *hj = calloc(1, sizeof(*hj));

	if (!hj) {
		fail(c, KT_ENOMEM, NULL);
		return;
	}
	if (!copy_arg(c, hj->code, sizeof(hj->code), "unit code", c->argv[0])) {
		free(hj);
		return;
	}
	submit(c, &hj->base, unit_history_run, NULL, unit_history_done);
}

/* ---- the table ---------------------------------------------------------------- */

/* clang-format off */
static const struct admin_cmd commands[] = {
	{
		.words = "help",
		.run = cmd_help,
		.args = "[COMMAND]",
		.help = "List the commands, or show the options of one",
		.details =
			"Examples: 'help', 'help user', 'help unit merge'.\n",
		.options = "",
		.min_args = 0,
		.max_args = ADMIN_ARGS_ANY,
	},
	{
		.words = "user add",
		.run = cmd_user_add,
		.args = "USERNAME --name \"FULL NAME\" [--role R[,R...]] "
			"[--unit CODE] [--password-stdin]",
		.help = "Create an account",
		.details =
			"USERNAME    2 to 64 of a-z 0-9 . _ - starting with a letter: lan.nguyen\n"
			"--name      the full name with diacritics: \"Lê Quốc Dũng\"\n"
			"--role      admin, planner, inspector, unit_rep, authority, observer;\n"
			"            several separated by commas. Default: inspector, or\n"
			"            unit_rep with --unit\n"
			"--unit      the code of the unit a unit_rep represents\n"
			"--password-stdin\n"
			"            the first line of standard input is the password\n"
			"            (kiemtrad admin only). Without it a password is generated\n"
			"            and shown once; the user must change it at the first login\n",
		.options = "name= role= unit= password-stdin",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "user list",
		.run = cmd_user_list,
		.args = "",
		.help = "List every account with its roles and state",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
	{
		.words = "user show",
		.run = cmd_user_show,
		.args = "USERNAME",
		.help = "Show one account: roles, unit, state, devices, connections",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "user disable",
		.run = cmd_user_disable,
		.args = "USERNAME",
		.help = "Disable an account: revoke its sessions, close its connections",
		.details =
			"The account and its history stay; 'user enable' lets them in again.\n",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "user enable",
		.run = cmd_user_enable,
		.args = "USERNAME",
		.help = "Enable a disabled account",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "user revoke-device",
		.run = cmd_user_revoke_device,
		.args = "USERNAME FINGERPRINT",
		.help = "Revoke a lost or stolen device: no login, resume or signing from it",
		.details =
			"FINGERPRINT is the device's as 'user show' lists it, or a unique prefix\n"
			"of at least SHA256: and 4 characters. Its sessions end and its live\n"
			"connections close at once. The account keeps its other devices; a new\n"
			"installation (a new device key) can log in and is enrolled as usual.\n",
		.options = "",
		.min_args = 2,
		.max_args = 2,
	},
	{
		.words = "user passwd",
		.run = cmd_user_passwd,
		.args = "USERNAME [--password-stdin]",
		.help = "Reset a password and revoke the user's sessions",
		.details =
			"A generated password is shown once and must be changed at the next\n"
			"login; one given with --password-stdin (kiemtrad admin only) must meet\n"
			"the password policy.\n",
		.options = "password-stdin",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "user roles",
		.run = cmd_user_roles,
		.args = "USERNAME ROLE[,ROLE...] [--unit CODE]",
		.help = "Replace the roles of an account",
		.details =
			"Roles: admin, planner, inspector, unit_rep, authority, observer.\n"
			"unit_rep needs --unit CODE, the unit the person represents.\n",
		.options = "unit=",
		.min_args = 2,
		.max_args = 2,
	},
	{
		.words = "unit add",
		.run = cmd_unit_add,
		.args = "CODE \"NAME\" --kind KIND [--parent CODE]",
		.help = "Add a unit to the tree",
		.details =
			"CODE        the stable administrative code: 1 to 32 of A-Z a-z 0-9 . _ -\n"
			"NAME        the name with diacritics: \"xã Hòa An\"\n"
			"--kind      province (tỉnh), district (huyện, quận, thị xã; 'city' for\n"
			"            a city of a province), commune (xã), ward (phường),\n"
			"            town (thị trấn), department (sở), office (phòng), other\n"
			"--parent    the code of the unit it belongs to; none for the top level\n",
		.options = "kind= parent=",
		.min_args = 2,
		.max_args = 2,
	},
	{
		.words = "unit list",
		.run = cmd_unit_list,
		.args = "[--parent CODE] [--all]",
		.help = "Show the unit tree, or the units directly under one",
		.details =
			"--all shows merged units too.\n",
		.options = "parent= all",
		.min_args = 0,
		.max_args = 0,
	},
	{
		.words = "unit find",
		.run = cmd_unit_find,
		.args = "WORDS... [--all]",
		.help = "Find units by name or code, with or without diacritics",
		.details =
			"Every word must appear in the name or the code: 'unit find hoa an'\n"
			"finds \"xã Hòa An\". --all searches merged units too.\n",
		.options = "all",
		.min_args = 1,
		.max_args = ADMIN_ARGS_ANY,
	},
	{
		.words = "unit show",
		.run = cmd_unit_show,
		.args = "CODE",
		.help = "Show one unit: kind, status, place in the tree",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "unit rename",
		.run = cmd_unit_rename,
		.args = "CODE \"NEW NAME\" [--note TEXT]",
		.help = "Rename a unit",
		.details =
			"The old name stays in the unit's history; --note says why (the\n"
			"decision, for example).\n",
		.options = "note=",
		.min_args = 2,
		.max_args = 2,
	},
	{
		.words = "unit move",
		.run = cmd_unit_move,
		.args = "CODE (--parent CODE | --root) [--note TEXT]",
		.help = "Move a unit, with everything under it, to another parent",
		.options = "parent= root note=",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "unit merge",
		.run = cmd_unit_merge,
		.args = "FROM_CODE INTO_CODE [--note TEXT]",
		.help = "Merge a unit into another: its units move along, its history stays",
		.details =
			"The merged unit keeps its code and its history ('unit history\n"
			"FROM_CODE') but can no longer change; the units under it move under\n"
			"INTO_CODE.\n",
		.options = "note=",
		.min_args = 2,
		.max_args = 2,
	},
	{
		.words = "unit history",
		.run = cmd_unit_history,
		.args = "CODE",
		.help = "Show a unit's history: creation, renames, moves, mergers",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "session list",
		.run = cmd_session_list,
		.args = "",
		.help = "List the live connections",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
	{
		.words = "session kick",
		.run = cmd_session_kick,
		.args = "ID | --user USERNAME",
		.help = "Close one connection, or every connection of a user",
		.details =
			"The client is told that an administrator ended the session. A kicked\n"
			"user can log in again; to keep them out, use 'user disable'.\n",
		.options = "user=",
		.min_args = 0,
		.max_args = 1,
	},
	{
		.words = "status",
		.run = cmd_status,
		.args = "",
		.help = "Show the server's state: address, key, uptime, load, counters",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
	{
		.words = "backup",
		.run = cmd_backup,
		.args = "PATH",
		.help = "Write a consistent copy of the database to a new file",
		.details =
			"A relative PATH is relative to the data directory. An existing file is\n"
			"never overwritten. The server keeps serving while the copy is taken.\n",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "audit verify",
		.run = cmd_audit_verify,
		.args = "",
		.help = "Verify the hash chain of the audit log",
		.details =
			"Exits with 1 when a row was altered, removed or reordered.\n",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
	/* Testing aids: they work only on a server started with KIEMTRAD_FAULTS. */
	{
		.words = "fault set",
		.run = cmd_fault_set,
		.args = "SPEC",
		.help = "Testing aid: make the storage fail (needs KIEMTRAD_FAULTS at start)",
		.details =
			"SPEC is 'none' or a comma-separated list of faults, counted from now:\n"
			"  read:N[:K]   the N-th read and every one after it fails with an I/O\n"
			"  write:N[:K]  error (the N-th write, the N-th sync); with :K only K\n"
			"  sync:N[:K]   calls fail\n"
			"  full:BYTES   once BYTES more bytes were written, writes fail: disk full\n"
			"Clients then get UNAVAILABLE; stored data stays intact. Refused unless\n"
			"kiemtrad was started with KIEMTRAD_FAULTS set (e.g. =none).\n",
		.options = "",
		.min_args = 1,
		.max_args = 1,
	},
	{
		.words = "fault clear",
		.run = cmd_fault_clear,
		.args = "",
		.help = "Testing aid: stop the storage faults of 'fault set'",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
	{
		.words = "fingerprint",
		.run = cmd_fingerprint,
		.args = "",
		.help = "Show the server key's fingerprint (users compare it)",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
	{
		.words = "shutdown",
		.run = cmd_shutdown,
		.args = "",
		.help = "Stop the server gracefully",
		.options = "",
		.min_args = 0,
		.max_args = 0,
	},
};
/* clang-format on */

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct admin_cmd *admin_cmd_at(size_t i)
{
	return i < NCOMMANDS ? &commands[i] : NULL;
}

/* How many words of argv match the words of cmd, or 0 when not all do. */
static int words_match(const struct admin_cmd *cmd, int argc, char *const *argv)
{
	const char *p = cmd->words;
	int n = 0;

	while (*p) {
		size_t len = first_word(p);

		if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		p += len;
		p += strspn(p, " ");
	}
	return n;
}

/* The subcommands of group into buf: "add, list, show". */
static bool group_words(const char *group, char *buf, size_t cap)
{
	size_t glen = strlen(group), o = 0;
	bool found = false;

	buf[0] = '\0';
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *w = commands[i].words;

		if (strncmp(w, group, glen) != 0 || w[glen] != ' ')
			continue;
		int n = snprintf(buf + o, cap - o, "%s%s", found ? ", " : "", w + glen + 1);

		if (n > 0 && (size_t)n < cap - o)
			o += (size_t)n;
		found = true;
	}
	return found;
}

const struct admin_cmd *admin_cmd_lookup(int argc, char *const *argv, int *nwords, char *msg,
					 size_t cap)
{
	const struct admin_cmd *best = NULL;
	char subs[256];
	int bestn = 0;

	*nwords = 0;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		int n = words_match(&commands[i], argc, argv);

		if (n > bestn) {
			best = &commands[i];
			bestn = n;
		}
	}
	if (best) {
		*nwords = bestn;
		return best;
	}
	if (argc < 1) {
		snprintf(msg, cap, "no command given; type 'help' for the list");
	} else if (group_words(argv[0], subs, sizeof(subs))) {
		if (argc == 1)
			snprintf(msg, cap, "'%s' needs one of: %s", argv[0], subs);
		else
			snprintf(msg, cap, "unknown command '%s %s'; '%s' has: %s", argv[0],
				 argv[1], argv[0], subs);
	} else {
		snprintf(msg, cap, "unknown command '%s'; type 'help' for the list", argv[0]);
	}
	return NULL;
}

/* ---- running ------------------------------------------------------------------ */

void admin_run(struct server *s, int argc, char *const *argv, const char *input, size_t input_len,
	       struct admin_out *out)
{
	struct admin_call *c;
	char msg[512];
	int nwords;

	c = calloc(1, sizeof(*c));
	if (!c) {
		admin_eprintf(out, "error: %s\n", kt_strerror(KT_ENOMEM));
		out->code = ADMIN_EXIT_FAILED;
		out->done(out);
		return;
	}
	c->s = s;
	c->out = out;
	c->actor = (struct svc_actor){
	    .user_id = 0, .name = "console", .session_id = 0, .now = server_now_ms()};
	c->words = calloc((size_t)argc + 1, sizeof(*c->words));
	if (!c->words)
		goto oom;
	for (; c->nwords < argc; c->nwords++)
		if (!(c->words[c->nwords] = strdup(argv[c->nwords])))
			goto oom;
	if (input) {
		c->input = malloc(input_len + 1);
		if (!c->input)
			goto oom;
		memcpy(c->input, input, input_len);
		c->input[input_len] = '\0';
		c->input_len = input_len;
	}
	c->cmd = admin_cmd_lookup(argc, c->words, &nwords, msg, sizeof(msg));
	if (!c->cmd) {
		admin_eprintf(out, "%s\n", msg);
		finish(c, ADMIN_EXIT_USAGE);
		return;
	}
	/* --help anywhere before "--" shows the command's help. */
	for (int i = nwords; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help_one(out, c->cmd);
			finish(c, ADMIN_EXIT_OK);
			return;
		}
	}
	if (parse_args(c, nwords, msg, sizeof(msg)) != 0) {
		usage(c, "%s", msg);
		return;
	}
	c->cmd->run(c);
	return;
oom:
	admin_eprintf(out, "error: %s\n", kt_strerror(KT_ENOMEM));
	finish(c, ADMIN_EXIT_FAILED);
}

/* ---- tokenizer ---------------------------------------------------------------- */

void admin_argv_free(int argc, char **argv)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int admin_tokenize(const char *line, int *argc_out, char ***argv_out, char *err, size_t errcap)
{
	size_t cap = strlen(line) + 1;
	char **argv = calloc(ADMIN_MAX_ARGC + 1, sizeof(*argv));
	char *word = malloc(cap);
	const char *p = line;
	int argc = 0, rc = KT_EINVAL;

	*argc_out = 0;
	*argv_out = NULL;
	if (!argv || !word) {
		snprintf(err, errcap, "out of memory");
		rc = KT_ENOMEM;
		goto out;
	}
	for (;;) {
		size_t n = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (!end) {
					snprintf(err, errcap, "unterminated ' quote");
					goto out;
				}
				memcpy(word + n, p + 1, (size_t)(end - p - 1));
				n += (size_t)(end - p - 1);
				p = end + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					word[n++] = *p;
				}
				if (!*p) {
					snprintf(err, errcap, "unterminated \" quote");
					goto out;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					snprintf(err, errcap, "a backslash ends the line");
					goto out;
				}
				word[n++] = p[1];
				p += 2;
			} else {
				word[n++] = *p++;
			}
		}
		if (n > ADMIN_MAX_ARG) {
			snprintf(err, errcap, "word %d is longer than %d bytes", argc + 1,
				 ADMIN_MAX_ARG);
			goto out;
		}
		if (argc == ADMIN_MAX_ARGC) {
			snprintf(err, errcap, "more than %d words", ADMIN_MAX_ARGC);
			goto out;
		}
		word[n] = '\0';
		if (!(argv[argc] = strdup(word))) {
			snprintf(err, errcap, "out of memory");
			rc = KT_ENOMEM;
			goto out;
		}
		argc++;
	}
	*argc_out = argc;
	*argv_out = argv;
	argv = NULL;
	rc = KT_OK;
out:
	admin_argv_free(argc, argv);
	free(word);
	return rc;
}
