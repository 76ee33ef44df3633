/*
 * db_faultvfs.c - the fault-injecting VFS shim of db_faultvfs.h (a testing aid).
 *
 * The shim registers as the default VFS "kt_fault" in front of the VFS that
 * was the default before (unix). Its files are a struct fault_file followed by
 * the real VFS's file in one allocation of szOsFile bytes; every method passes
 * through to the real file, after fault_check() for xRead, xWrite and xSync.
 * The io methods are version 2 (shared memory for WAL, no xFetch), so SQLite
 * never reads pages through a memory map the shim could not see.
 */
#include "server/store/db_faultvfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/status.h"

enum fault_kind {
	FK_READ,
	FK_WRITE,
	FK_SYNC,
	FK_COUNT,
};

static const char *const kind_names[FK_COUNT] = {"read", "write", "sync"};
static const int kind_errors[FK_COUNT] = {SQLITE_IOERR_READ, SQLITE_IOERR_WRITE,
					  SQLITE_IOERR_FSYNC};

struct fault_rule {
	bool on;
	uint64_t at;	/* the first failing call, 1-based */
	uint64_t count; /* calls failing from there; 0: until cleared */
};

struct fault_spec {
	struct fault_rule rule[FK_COUNT];
	bool full;
	uint64_t full_budget; /* bytes that may be written after the spec was set */
};

static struct {
	pthread_mutex_t mu;
	/* under mu */
	struct fault_spec spec;
	uint64_t calls[FK_COUNT];
	uint64_t bytes_written, failed;
	/* set once by init_once(), read-only afterwards */
	bool installed;
	int init_rc;
	char init_msg[256];
} fs = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t fs_once = PTHREAD_ONCE_INIT;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* right after this struct, in the same allocation */
};

/* The real file starts at the next multiple of 8 after struct fault_file. */
#define FAULT_FILE_HEAD ((sizeof(struct fault_file) + 7) & ~(size_t)7)

static sqlite3_file *real_of(sqlite3_file *f)
{
	return ((struct fault_file *)f)->real;
}

/* ---- specs -------------------------------------------------------------------- */

static int parse_u64(const char *s, size_t n, uint64_t min, uint64_t *out)
{
	char buf[24];
	char *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(buf) || strspn(s, "0123456789") < n)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

/* One item "kind:N[:K]" or "full:BYTES" of s[0..n) into sp. */
static int parse_item(const char *s, size_t n, struct fault_spec *sp, char *msg, size_t cap)
{
	size_t klen = strcspn(s, ":"), alen, blen;
	const char *a, *b;

	if (klen >= n) {
		snprintf(msg, cap, "'%.*s' needs a number after a colon, e.g. write:500", (int)n,
			 s);
		return KT_EINVAL;
	}
	a = s + klen + 1;
	alen = strcspn(a, ":,");
	if (alen > n - klen - 1)
		alen = n - klen - 1;
	b = a + alen < s + n ? a + alen + 1 : NULL;
	blen = b ? (size_t)(s + n - b) : 0;
	if (klen == 4 && memcmp(s, "full", 4) == 0) {
		if (sp->full) {
			snprintf(msg, cap, "full is given twice");
			return KT_EINVAL;
		}
		if (b || parse_u64(a, alen, 0, &sp->full_budget) != 0) {
			snprintf(msg, cap, "full takes one number of bytes: full:1048576");
			return KT_EINVAL;
		}
		sp->full = true;
		return 0;
	}
	for (int k = 0; k < FK_COUNT; k++) {
		struct fault_rule *r = &sp->rule[k];

		if (strlen(kind_names[k]) != klen || memcmp(s, kind_names[k], klen) != 0)
			continue;
		if (r->on) {
			snprintf(msg, cap, "%s is given twice", kind_names[k]);
			return KT_EINVAL;
		}
		if (parse_u64(a, alen, 1, &r->at) != 0 ||
		    (b && parse_u64(b, blen, 1, &r->count) != 0)) {
			snprintf(msg, cap,
				 "%s takes the number of the first failing call (from 1) and "
				 "optionally how many fail: %s:500 or %s:500:1",
				 kind_names[k], kind_names[k], kind_names[k]);
			return KT_EINVAL;
		}
		r->on = true;
		return 0;
	}
	snprintf(msg, cap, "unknown fault '%.*s': read, write, sync or full", (int)klen, s);
	return KT_EINVAL;
}

static int parse_spec(const char *spec, struct fault_spec *sp, char *msg, size_t cap)
{
	const char *p = spec;
	int rc;

	memset(sp, 0, sizeof(*sp));
	if (strcmp(spec, "none") == 0)
		return 0;
	if (!*spec) {
		snprintf(msg, cap, "the fault spec is empty (say 'none' for no faults)");
		return KT_EINVAL;
	}
	for (;;) {
		size_t n = strcspn(p, ",");

		rc = parse_item(p, n, sp, msg, cap);
		if (rc != 0)
			return rc;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static void format_spec(const struct fault_spec *sp, char *buf, size_t cap)
{
	size_t o = 0;
	int n;

	buf[0] = '\0';
	for (int k = 0; k < FK_COUNT; k++) {
		const struct fault_rule *r = &sp->rule[k];

		if (!r->on)
			continue;
		if (r->count)
			n = snprintf(buf + o, cap - o, "%s%s:%llu:%llu", o ? "," : "",
				     kind_names[k], (unsigned long long)r->at,
				     (unsigned long long)r->count);
		else
			n = snprintf(buf + o, cap - o, "%s%s:%llu", o ? "," : "", kind_names[k],
				     (unsigned long long)r->at);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	if (sp->full) {
		n = snprintf(buf + o, cap - o, "%sfull:%llu", o ? "," : "",
			     (unsigned long long)sp->full_budget);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(buf, cap, "none");
}

/* Under fs.mu: install sp and start counting again. */
static void spec_install(const struct fault_spec *sp)
{
	fs.spec = *sp;
	memset(fs.calls, 0, sizeof(fs.calls));
	fs.bytes_written = 0;
	fs.failed = 0;
}

/* 0 to let a call of kind k (writing amt bytes) through, or the error to fail it with. */
static int fault_check(enum fault_kind k, int amt)
{
	const struct fault_rule *r = &fs.spec.rule[k];
	uint64_t n;
	int rc = SQLITE_OK;

	pthread_mutex_lock(&fs.mu);
	n = ++fs.calls[k];
	if (r->on && n >= r->at && (r->count == 0 || n - r->at < r->count))
		rc = kind_errors[k];
	if (rc == SQLITE_OK && k == FK_WRITE) {
		if (fs.spec.full && fs.bytes_written + (uint64_t)amt > fs.spec.full_budget)
			rc = SQLITE_FULL;
		else
			fs.bytes_written += (uint64_t)amt;
	}
	if (rc != SQLITE_OK)
		fs.failed++;
	pthread_mutex_unlock(&fs.mu);
	return rc;
}

int db_fault_external_sync(void)
{
	if (!db_fault_enabled())
		return 0;
	return fault_check(FK_SYNC, 0) == SQLITE_OK ? 0 : KT_EIO;
}

/* ---- io methods ----------------------------------------------------------------- */

static int ff_close(sqlite3_file *f)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int ff_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	sqlite3_file *r = real_of(f);
	int rc = fault_check(FK_READ, amt);

	return rc != SQLITE_OK ? rc : r->pMethods->xRead(r, buf, amt, off);
}

static int ff_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	sqlite3_file *r = real_of(f);
	int rc = fault_check(FK_WRITE, amt);

	return rc != SQLITE_OK ? rc : r->pMethods->xWrite(r, buf, amt, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xTruncate(r, size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
	sqlite3_file *r = real_of(f);
	int rc = fault_check(FK_SYNC, 0);

	return rc != SQLITE_OK ? rc : r->pMethods->xSync(r, flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xFileSize(r, size);
}

static int ff_lock(sqlite3_file *f, int lock)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xLock(r, lock);
}

static int ff_unlock(sqlite3_file *f, int lock)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xUnlock(r, lock);
}

static int ff_check_reserved(sqlite3_file *f, int *out)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xCheckReservedLock(r, out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xFileControl(r, op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xSectorSize(r);
}

static int ff_device_characteristics(sqlite3_file *f)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xDeviceCharacteristics(r);
}

static int ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	sqlite3_file *r = real_of(f);

	if (r->pMethods->iVersion < 2 || !r->pMethods->xShmMap)
		return SQLITE_IOERR_SHMMAP;
	return r->pMethods->xShmMap(r, pg, pgsz, extend, pp);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	sqlite3_file *r = real_of(f);

	return r->pMethods->xShmLock(r, offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
	sqlite3_file *r = real_of(f);

	r->pMethods->xShmBarrier(r);
}

static int ff_shm_unmap(sqlite3_file *f, int delete_flag)
{
	sqlite3_file *r = real_of(f);

	if (r->pMethods->iVersion < 2 || !r->pMethods->xShmUnmap)
		return SQLITE_OK;
	return r->pMethods->xShmUnmap(r, delete_flag);
}

static const sqlite3_io_methods fault_io = {
    .iVersion = 2,
    .xClose = ff_close,
    .xRead = ff_read,
    .xWrite = ff_write,
    .xTruncate = ff_truncate,
    .xSync = ff_sync,
    .xFileSize = ff_file_size,
    .xLock = ff_lock,
    .xUnlock = ff_unlock,
    .xCheckReservedLock = ff_check_reserved,
    .xFileControl = ff_file_control,
    .xSectorSize = ff_sector_size,
    .xDeviceCharacteristics = ff_device_characteristics,
    .xShmMap = ff_shm_map,
    .xShmLock = ff_shm_lock,
    .xShmBarrier = ff_shm_barrier,
    .xShmUnmap = ff_shm_unmap,
};

/* ---- vfs methods ---------------------------------------------------------------- */

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	int rc;

	ff->real = (sqlite3_file *)((char *)f + FAULT_FILE_HEAD);
	memset(ff->real, 0, (size_t)real_vfs->szOsFile);
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
	/* SQLite calls xClose whenever pMethods is set, even after a failed open. */
	ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
	return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *fv_dl_open(sqlite3_vfs *vfs, const char *name)
{
	return real_vfs->xDlOpen(real_vfs, name);
}

static void fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void fv_dl_close(sqlite3_vfs *vfs, void *h)
{
	real_vfs->xDlClose(real_vfs, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
	return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int fv_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int fv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static int fv_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr p)
{
	return real_vfs->xSetSystemCall(real_vfs, name, p);
}

static sqlite3_syscall_ptr fv_get_system_call(sqlite3_vfs *vfs, const char *name)
{
	return real_vfs->xGetSystemCall(real_vfs, name);
}

static const char *fv_next_system_call(sqlite3_vfs *vfs, const char *name)
{
	return real_vfs->xNextSystemCall(real_vfs, name);
}

/* ---- the public part ------------------------------------------------------------ */

static void init_once(void)
{
	const char *env = getenv(DB_FAULT_ENV);
	struct fault_spec sp;
	char msg[200];
	int rc;

	if (!env)
		return;
	rc = parse_spec(env, &sp, msg, sizeof(msg));
	if (rc != 0) {
		fs.init_rc = rc;
		snprintf(fs.init_msg, sizeof(fs.init_msg), "%s=%.40s: %.180s", DB_FAULT_ENV, env,
			 msg);
		fprintf(stderr, "kiemtrad: %s\n", fs.init_msg);
		return;
	}
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs || real_vfs->iVersion < 2 || (size_t)real_vfs->szOsFile > 1 << 20) {
		fs.init_rc = KT_EINTERNAL;
		snprintf(fs.init_msg, sizeof(fs.init_msg), "%s: no usable default SQLite VFS",
			 DB_FAULT_ENV);
		return;
	}
	fault_vfs = (sqlite3_vfs){
	    .iVersion = real_vfs->iVersion >= 3 ? 3 : 2,
	    .szOsFile = (int)(FAULT_FILE_HEAD + (size_t)real_vfs->szOsFile),
	    .mxPathname = real_vfs->mxPathname,
	    .zName = "kt_fault",
	    .xOpen = fv_open,
	    .xDelete = fv_delete,
	    .xAccess = fv_access,
	    .xFullPathname = fv_full_pathname,
	    .xDlOpen = fv_dl_open,
	    .xDlError = fv_dl_error,
	    .xDlSym = fv_dl_sym,
	    .xDlClose = fv_dl_close,
	    .xRandomness = fv_randomness,
	    .xSleep = fv_sleep,
	    .xCurrentTime = fv_current_time,
	    .xGetLastError = fv_get_last_error,
	    .xCurrentTimeInt64 = fv_current_time_int64,
	};
	if (real_vfs->iVersion >= 3) {
		fault_vfs.xSetSystemCall = fv_set_system_call;
		fault_vfs.xGetSystemCall = fv_get_system_call;
		fault_vfs.xNextSystemCall = fv_next_system_call;
	}
	if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK) {
		fs.init_rc = KT_EINTERNAL;
		snprintf(fs.init_msg, sizeof(fs.init_msg), "%s: SQLite refused the fault VFS",
			 DB_FAULT_ENV);
		return;
	}
	pthread_mutex_lock(&fs.mu);
	spec_install(&sp);
	pthread_mutex_unlock(&fs.mu);
	fs.installed = true;
	format_spec(&sp, msg, sizeof(msg));
	fprintf(stderr, "kiemtrad: storage fault injection is on (%s=%s): a testing aid\n",
		DB_FAULT_ENV, msg);
}

int db_fault_init(char *msg, size_t msgcap)
{
	pthread_once(&fs_once, init_once);
	if (fs.init_rc != 0 && msgcap)
		snprintf(msg, msgcap, "%s", fs.init_msg);
	return fs.init_rc;
}

bool db_fault_enabled(void)
{
	pthread_once(&fs_once, init_once);
	return fs.installed;
}

int db_fault_set(const char *spec, char *msg, size_t msgcap)
{
	struct fault_spec sp;
	char m[200];
	int rc;

	if (msgcap)
		msg[0] = '\0';
	if (!db_fault_enabled()) {
		if (msgcap)
			snprintf(msg, msgcap,
				 "fault injection is off: start kiemtrad with %s=none to allow "
				 "it (a testing aid)",
				 DB_FAULT_ENV);
		return KT_ESTATE;
	}
	rc = parse_spec(spec, &sp, m, sizeof(m));
	if (rc != 0) {
		if (msgcap)
			snprintf(msg, msgcap, "%s", m);
		return rc;
	}
	pthread_mutex_lock(&fs.mu);
	spec_install(&sp);
	pthread_mutex_unlock(&fs.mu);
	return 0;
}

int db_fault_clear(void)
{
	struct fault_spec none = {0};

	if (!db_fault_enabled())
		return KT_ESTATE;
	pthread_mutex_lock(&fs.mu);
	spec_install(&none);
	pthread_mutex_unlock(&fs.mu);
	return 0;
}

void db_fault_get(struct db_fault_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&fs.mu);
	format_spec(&fs.spec, out->spec, sizeof(out->spec));
	out->reads = fs.calls[FK_READ];
	out->writes = fs.calls[FK_WRITE];
	out->syncs = fs.calls[FK_SYNC];
	out->bytes_written = fs.bytes_written;
	out->failed = fs.failed;
	pthread_mutex_unlock(&fs.mu);
}
