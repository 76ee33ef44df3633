/*
 * db_faultvfs.h - storage fault injection under the SQLite driver (a testing
 * aid). db_faultvfs.c is a VFS shim over the default (unix) VFS that, when
 * told to, fails reads, writes or syncs with an I/O error, or writes with
 * "disk full", so tests can prove that the server answers UNAVAILABLE, keeps
 * its data and recovers once the fault clears.
 *
 * It is off unless the environment variable KIEMTRAD_FAULTS is set when the
 * process opens its first database: db_fault_init() (called by db_open())
 * then installs the shim as SQLite's default VFS, with the faults that the
 * variable names active from the start. Without the variable nothing is
 * installed and db_fault_set() refuses, so a production server cannot be made
 * to fail its storage from the console.
 *
 * A spec is "none", or a comma-separated list of at most one fault per kind:
 *
 *   read:N[:K]     the N-th xRead counted from now fails (SQLITE_IOERR_READ),
 *   write:N[:K]    the N-th xWrite (SQLITE_IOERR_WRITE),
 *   sync:N[:K]     the N-th xSync (SQLITE_IOERR_FSYNC) or log sync of the
 *                  driver's own (db_fault_external_sync), and every one after
 *                  it until cleared; with :K only K calls fail (a transient
 *                  fault), then that kind works again
 *   full:BYTES     once BYTES more bytes have been written, every write fails
 *                  with SQLITE_FULL (a disk that filled up)
 *
 * Every file SQLite opens through the default VFS counts: the database, its
 * WAL, temporary files and backup copies. The shim offers no memory-mapped
 * I/O, so every page read is an xRead.
 *
 * Threads: the functions here may be called from any thread (the console on
 * the loop thread sets faults while the storage thread does I/O); the state
 * is under one mutex.
 */
#ifndef KT_DB_FAULTVFS_H
#define KT_DB_FAULTVFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DB_FAULT_ENV "KIEMTRAD_FAULTS"

/*
 * Once per process: when KIEMTRAD_FAULTS is set, install the shim as the
 * default VFS and set its spec. 0 when done (or not asked for); KT_EINVAL for
 * a bad spec (every later call fails the same way, with the same msg);
 * KT_EINTERNAL when SQLite refuses the VFS.
 */
int db_fault_init(char *msg, size_t msgcap);

/* True when the shim is installed (faults can be set). */
bool db_fault_enabled(void);

/*
 * Replace the active faults with spec (counts start again from now). 0, or
 * KT_EINVAL with a sentence in msg for a bad spec, or KT_ESTATE when the shim
 * is not installed (the faults are then unchanged).
 */
int db_fault_set(const char *spec, char *msg, size_t msgcap);

/* Stop injecting faults (KT_ESTATE when the shim is not installed). */
int db_fault_clear(void);

/*
 * A sync the driver makes itself, outside SQLite (db_sync_log()), counted and
 * failed like an xSync: 0 to go on, KT_EIO when a sync fault fires. Always 0
 * when the shim is not installed.
 */
int db_fault_external_sync(void);

/* What the shim did since the faults were last set or cleared. */
struct db_fault_stats {
	char spec[128];		       /* the active spec in canonical form, "none" */
	uint64_t reads, writes, syncs; /* calls seen */
	uint64_t bytes_written;	       /* by the writes seen */
	uint64_t failed;	       /* calls failed on purpose */
};
void db_fault_get(struct db_fault_stats *out);

#endif
