/*
 * store_int.h - what the files of server/store share and nothing above them sees:
 * the layout of struct store and struct store_tx, and small helpers the record
 * files use to read rows into the fixed-size buffers of store.h.
 *
 * Owns: struct store owns its struct db (db.h); struct store_tx is embedded in
 * struct store and lives as long as the transaction it stands for.
 */
#ifndef KT_STORE_INT_H
#define KT_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/db.h"
#include "server/store/store.h"

struct store_tx {
	struct store *st;
	struct db *db;
	bool write;
};

struct store {
	struct db *db;
	int schema_version;
	bool in_tx; /* store_run() is running, or a batch is open */
	bool in_batch;
	bool in_group; /* a group's savepoint is open (store_batch_group_begin) */
	int batch_err; /* the first error that ended the batch's transaction */
	struct store_tx tx;
	/*
	 * The audit chain's last row as this connection last wrote or read it, so
	 * that an append needs no query for it (store_audit.c). Forgotten at every
	 * rollback (store_audit_forget), as the row may be gone with it.
	 */
	bool audit_known;
	int64_t audit_last_id;
	uint8_t audit_last_hash[32];
	/*
	 * store_rights_stamp(): renewed (from a process-wide count) at every row
	 * changed in a table rights are read from, every rollback, and every
	 * transaction that finds another connection's commit (data_version, the
	 * value last seen).
	 */
	uint64_t rights_stamp;
	int64_t data_version;
};

/*
 * Copy text column col into buf (capacity cap, NUL-terminated). KT_ECORRUPT when
 * the stored text does not fit: the record functions refuse longer input, so
 * such a row was not written by them.
 */
int store_col_text(struct db_stmt *s, int col, char *buf, size_t cap);

/*
 * Check a text argument of at most max bytes and set *len: a C string, or a
 * fixed buffer of max + 1 bytes (NULL reads as ""). KT_ETOOBIG when longer
 * (or a fixed buffer has no NUL).
 */
int store_str_check(const char *s, size_t max, size_t *len);

/* Step a statement expected to give one row: KT_ENOTFOUND for none. */
int store_step_one(struct db_stmt *s);

/* KT_ENOTFOUND when the last UPDATE or DELETE changed nothing. */
int store_changed(struct store_tx *tx);

/*
 * Run one statement whose parameters ?1..?n are the n int64_t values that
 * follow (pass int64_t: the values are read with va_arg). 0 when it ran; with
 * must_change, KT_ENOTFOUND when it changed no row (an UPDATE or DELETE of
 * an unknown key).
 */
int store_exec_i64(struct store_tx *tx, const char *sql, bool must_change, int n, ...);

/* A rollback happened: the next audit append reads the chain's last row again. */
void store_audit_forget(struct store *st);

#endif
