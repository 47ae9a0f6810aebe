/* golive._native: the audit ledger's inner loops, compiled: verifying a SQLite ledger's
 * subtrees (sqlite_subtree) and, where libpq was found at build time (GOLIVE_LIBPQ), a
 * PostgreSQL ledger's (pg_open, pg_subtree), scanning an export bundle (bundle_entries),
 * and the Merkle tree's leaf hashes and levels (leaf_hashes, level_up, levels).
 *
 * Optional: golive works the same without it (golive/native.py says which path runs), and
 * tests compare the two paths. The functions that read or scan release the GIL while they
 * work. Hashing is OpenSSL's SHA-256 (libcrypto, the library Python's hashlib uses);
 * reading is SQLite's C interface on a read-only connection of its own, or libpq's on a
 * PostgreSQL connection of its own (binary COPY).
 *
 * The leaf of an entry is the one golive.core.ledger.stored_leaf_hashes builds:
 *
 *   0x00 {"action":A,"actor":B,"correlation_id":C,"index":I,"payload":P,"subject":S,
 *         "tenant":T,"time":M,"v":V}
 *
 * with each text field as a JSON string literal escaped the way Python's
 * json.encoder.encode_basestring escapes it (", \, \b \f \n \r \t by name, other bytes
 * below 0x20 as \u00xx in lower case, everything else as it is), the payload as stored,
 * I the index in decimal and V the leaf version.
 */
#include "_native.h"
#ifdef GOLIVE_LIBPQ
#include <libpq-fe.h>
#endif
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The leaf bytes of entry ``index`` into b (replacing what it held): text[1..7] are the
 * stored action, actor, correlation_id, payload, subject, tenant and time (size[i] bytes
 * each), tail the closing ``,"v":V}``. -1 when out of memory. */
static int build_leaf(buffer *b, int64_t index, const unsigned char *const *text,
                      const size_t *size, const char *tail, size_t tail_len) {
    char digits[24];
    int digits_len = snprintf(digits, sizeof digits, "%lld", (long long)index);
    b->len = 0;
    if (BUF_LIT(b, "\x00{\"action\":") < 0 || buf_json_string(b, text[1], size[1]) < 0 ||
        BUF_LIT(b, ",\"actor\":") < 0 || buf_json_string(b, text[2], size[2]) < 0 ||
        BUF_LIT(b, ",\"correlation_id\":") < 0 || buf_json_string(b, text[3], size[3]) < 0 ||
        BUF_LIT(b, ",\"index\":") < 0 || buf_put(b, digits, (size_t)digits_len) < 0 ||
        BUF_LIT(b, ",\"payload\":") < 0 || buf_put(b, text[4], size[4]) < 0 ||
        BUF_LIT(b, ",\"subject\":") < 0 || buf_json_string(b, text[5], size[5]) < 0 ||
        BUF_LIT(b, ",\"tenant\":") < 0 || buf_json_string(b, text[6], size[6]) < 0 ||
        BUF_LIT(b, ",\"time\":") < 0 || buf_json_string(b, text[7], size[7]) < 0 ||
        buf_put(b, tail, tail_len) < 0)
        return -1;
    return 0;
}

/* ---- SQLite ---------------------------------------------------------------------------- */

/* Why a read gave no answer: kept for the Python caller, which falls back on its own path.
 * READ_DATABASE: the database answered with an error (SQLite or PostgreSQL). */
typedef enum { READ_OK = 0, READ_IRREGULAR, READ_NOMEM, READ_DATABASE } read_status;

static sqlite3 *open_read_only(const char *path, int *rc) {
    sqlite3 *db = NULL;
    *rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (*rc != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

static const char ENTRY_SQL[] =
    "SELECT idx, action, actor, correlation_id, payload, subject, tenant, time, leaf "
    "FROM audit_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx";

/* the leaf hashes of entries [start, stop) into out (32 bytes each); READ_IRREGULAR when
 * one differs from the leaf hash stored in its row */
static read_status read_leaf_hashes(sqlite3 *db, int64_t start, int64_t stop, long version,
                                    unsigned char *out) {
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, ENTRY_SQL, -1, &stmt, NULL) != SQLITE_OK) return READ_DATABASE;
    sqlite3_bind_int64(stmt, 1, start);
    sqlite3_bind_int64(stmt, 2, stop);
    buffer b = {NULL, 0, 0};
    char tail[48];
    int tail_len = snprintf(tail, sizeof tail, ",\"v\":%ld}", version);
    read_status status = READ_OK;
    int64_t expected = start;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (sqlite3_column_type(stmt, 0) != SQLITE_INTEGER ||
            sqlite3_column_int64(stmt, 0) != expected || expected >= stop) {
            status = READ_IRREGULAR;
            break;
        }
        const unsigned char *text[8];
        size_t size[8];
        for (int col = 1; col < 8; col++) {
            if (sqlite3_column_type(stmt, col) != SQLITE_TEXT) {
                status = READ_IRREGULAR;
                break;
            }
            text[col] = sqlite3_column_text(stmt, col);
            size[col] = (size_t)sqlite3_column_bytes(stmt, col);
            if (text[col] == NULL) {
                status = READ_NOMEM;
                break;
            }
        }
        if (status != READ_OK) break;
        if (build_leaf(&b, expected, text, size, tail, (size_t)tail_len) < 0) {
            status = READ_NOMEM;
            break;
        }
        unsigned char *hash = out + HASH * (expected - start);
        sha256(b.data, b.len, hash);
        if (sqlite3_column_type(stmt, 8) != SQLITE_BLOB || sqlite3_column_bytes(stmt, 8) != HASH ||
            memcmp(sqlite3_column_blob(stmt, 8), hash, HASH) != 0) {
            status = READ_IRREGULAR;
            break;
        }
        expected++;
    }
    if (status == READ_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) status = READ_DATABASE;
    if (status == READ_OK && expected != stop) status = READ_IRREGULAR;
    free(b.data);
    sqlite3_finalize(stmt);
    return status;
}

static const char NODE_SQL[] =
    "SELECT idx, hash FROM audit_nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 "
    "ORDER BY idx";

/* the stored node hashes of one level, [start, stop), into out */
static read_status read_node_hashes(sqlite3 *db, int64_t level, int64_t start, int64_t stop,
                                    unsigned char *out) {
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, NODE_SQL, -1, &stmt, NULL) != SQLITE_OK) return READ_DATABASE;
    sqlite3_bind_int64(stmt, 1, level);
    sqlite3_bind_int64(stmt, 2, start);
    sqlite3_bind_int64(stmt, 3, stop);
    read_status status = READ_OK;
    int64_t expected = start;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (sqlite3_column_type(stmt, 0) != SQLITE_INTEGER ||
            sqlite3_column_int64(stmt, 0) != expected || expected >= stop ||
            sqlite3_column_type(stmt, 1) != SQLITE_BLOB || sqlite3_column_bytes(stmt, 1) != HASH) {
            status = READ_IRREGULAR;
            break;
        }
        memcpy(out + HASH * (expected - start), sqlite3_column_blob(stmt, 1), HASH);
        expected++;
    }
    if (status == READ_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) status = READ_DATABASE;
    if (status == READ_OK && expected != stop) status = READ_IRREGULAR;
    sqlite3_finalize(stmt);
    return status;
}

/* ---- Merkle levels --------------------------------------------------------------------- */

/* one level up: count/2 node hashes SHA-256(0x01 || left || right) into out */
static void level_up(const unsigned char *below, size_t count, unsigned char *out) {
    unsigned char pair[1 + 2 * HASH];
    pair[0] = 0x01;
    for (size_t i = 0; i + 1 < count; i += 2) {
        memcpy(pair + 1, below + HASH * i, 2 * HASH);
        sha256(pair, sizeof pair, out + HASH * (i / 2));
    }
}

static int is_power_of_two(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

/* ---- the Python functions -------------------------------------------------------------- */

/* no answer: MemoryError when out of memory; otherwise None (irregular rows or an SQLite
 * error), and the caller's own path decides */
static PyObject *no_answer(read_status status) {
    if (status == READ_NOMEM) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

/* The levels of the perfect subtree [start, stop), to be filled: a list of depth + 1 bytes
 * objects of 32 * (stop - start) >> level bytes; ValueError when it is not a perfect
 * subtree. */
static PyObject *new_levels(long long start, long long stop, int *depth) {
    int64_t count = stop - start;
    if (start < 0 || !is_power_of_two(count) || start % count != 0) {
        PyErr_SetString(PyExc_ValueError, "[start, stop) is not a perfect subtree");
        return NULL;
    }
    *depth = 0;
    while (((int64_t)1 << *depth) < count) (*depth)++;
    PyObject *levels = PyList_New(*depth + 1);
    if (levels == NULL) return NULL;
    for (int level = 0; level <= *depth; level++) {
        PyObject *blob = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(HASH * (count >> level)));
        if (blob == NULL) {
            Py_DECREF(levels);
            return NULL;
        }
        PyList_SET_ITEM(levels, level, blob);
    }
    return levels;
}

PyDoc_STRVAR(sqlite_subtree_doc,
"sqlite_subtree(path, start, stop, version, floor, /)\n--\n\n"
"Check the perfect subtree of entries [start, stop) of the SQLite ledger at path: every\n"
"entry present, in order, with text fields, hashed to its leaf (leaf version ``version``)\n"
"equal to the leaf hash stored in its row; the levels above computed; every stored node\n"
"of every level from ``floor`` up equal to them. Returns the\n"
"levels (level 0 the leaf hashes, the last the subtree's root; each the 32-byte hashes\n"
"concatenated), or None when anything differs or cannot be read (the caller's checked\n"
"path then judges the range). stop - start must be a power of two and start a multiple.");

static PyObject *sqlite_subtree(PyObject *self, PyObject *args) {
    const char *path;
    long long start, stop;
    long version;
    (void)self;
    int floor;
    if (!PyArg_ParseTuple(args, "sLLli:sqlite_subtree", &path, &start, &stop, &version, &floor))
        return NULL;
    if (floor < 0) floor = 0;
    int depth;
    PyObject *levels = new_levels(start, stop, &depth);
    if (levels == NULL) return NULL;
    int64_t count = stop - start;
    unsigned char *bufs[64];
    for (int level = 0; level <= depth; level++)
        bufs[level] = (unsigned char *)PyBytes_AS_STRING(PyList_GET_ITEM(levels, level));
    unsigned char *stored = malloc((size_t)(HASH * count));
    if (stored == NULL) {
        Py_DECREF(levels);
        return PyErr_NoMemory();
    }
    read_status status = READ_OK;
    int matched = 1;
    Py_BEGIN_ALLOW_THREADS
    int rc;
    sqlite3 *db = open_read_only(path, &rc);
    if (db == NULL) {
        status = READ_DATABASE;
    } else {
        /* one read transaction: the entries and nodes of one snapshot */
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) status = READ_DATABASE;
        if (status == READ_OK) status = read_leaf_hashes(db, start, stop, version, bufs[0]);
        for (int level = 1; status == READ_OK && level <= depth; level++)
            level_up(bufs[level - 1], (size_t)(count >> (level - 1)), bufs[level]);
        /* the stored nodes, one key range per level (a 65,536-entry subtree has 511) */
        for (int level = floor; status == READ_OK && matched && level <= depth; level++) {
            int64_t n = count >> level, low = start >> level;
            status = read_node_hashes(db, level, low, low + n, stored);
            if (status == READ_OK && memcmp(stored, bufs[level], (size_t)(HASH * n)) != 0)
                matched = 0;
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    Py_END_ALLOW_THREADS
    free(stored);
    if (status != READ_OK || !matched) {
        Py_DECREF(levels);
        return no_answer(status);
    }
    return levels;
}

#ifdef GOLIVE_LIBPQ
/* ---- PostgreSQL ------------------------------------------------------------------------ */

/* A reader is a libpq connection of its own in one read-only REPEATABLE READ transaction,
 * optionally in the snapshot another session exported (pg_export_snapshot), so that every
 * reader of one verification sees the same rows. Entries and nodes come out by COPY in the
 * binary format: the server does no per-row expression work and libpq hands over each row
 * without Python objects. One reader is used by one thread at a time. */

#define PG_CAPSULE "golive._native.pg_reader"

static const unsigned char PG_SIGNATURE[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};

static void pg_reader_free(PyObject *capsule) {
    PGconn *conn = (PGconn *)PyCapsule_GetPointer(capsule, PG_CAPSULE);
    if (conn != NULL) PQfinish(conn);
}

/* run a statement that returns no rows; 0 on success */
static int pg_command(PGconn *conn, const char *sql) {
    PGresult *result = PQexec(conn, sql);
    int ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    return ok ? 0 : -1;
}

PyDoc_STRVAR(pg_open_doc,
"pg_open(conninfo, snapshot, /)\n--\n\n"
"A reader of the PostgreSQL ledger at conninfo (a libpq connection string): a connection of\n"
"its own in a read-only REPEATABLE READ transaction, in the exported snapshot (or None for\n"
"a fresh one). ConnectionError with the server's message when it cannot be opened.");

static PyObject *pg_open(PyObject *self, PyObject *args) {
    const char *conninfo;
    const char *snapshot;
    (void)self;
    if (!PyArg_ParseTuple(args, "sz:pg_open", &conninfo, &snapshot)) return NULL;
    PGconn *conn;
    char message[512] = "";
    Py_BEGIN_ALLOW_THREADS
    conn = PQconnectdb(conninfo);
    int ok = PQstatus(conn) == CONNECTION_OK && PQsetClientEncoding(conn, "UTF8") == 0 &&
             pg_command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") == 0;
    if (ok && snapshot != NULL) {
        char *literal = PQescapeLiteral(conn, snapshot, strlen(snapshot));
        char sql[256];
        ok = literal != NULL && strlen(literal) < 200;
        if (ok) {
            snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT %s", literal);
            ok = pg_command(conn, sql) == 0;
        }
        if (literal != NULL) PQfreemem(literal);
    }
    /* each range is read in key order through its primary key: the planner, misjudging
     * how the rows lie on disk, may rather scan a whole table or sort a bitmap scan, and
     * a parallel plan would hand over rows in any order; no JIT for queries this simple */
    static const char *const settings[] = {
        "SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL enable_bitmapscan = off",
        "SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off", "SET LOCAL jit = off"};
    for (size_t i = 0; ok && i < sizeof settings / sizeof *settings; i++)
        ok = pg_command(conn, settings[i]) == 0;
    if (!ok) {
        snprintf(message, sizeof message, "%s", PQerrorMessage(conn));
        PQfinish(conn);
        conn = NULL;
    }
    Py_END_ALLOW_THREADS
    if (conn == NULL) {
        size_t n = strlen(message);
        while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' ')) message[--n] = 0;
        PyErr_Format(PyExc_ConnectionError, "PostgreSQL: %s", n ? message : "cannot connect");
        return NULL;
    }
    PyObject *capsule = PyCapsule_New(conn, PG_CAPSULE, pg_reader_free);
    if (capsule == NULL) PQfinish(conn);
    return capsule;
}

PyDoc_STRVAR(pg_options_doc,
"pg_options()\n--\n\n"
"The connection options the libpq golive was built with knows (a connection string from a\n"
"newer libpq may hold others, which it would refuse).");

static PyObject *pg_options(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    PQconninfoOption *options = PQconndefaults();
    if (options == NULL) return PyErr_NoMemory();
    PyObject *names = PyFrozenSet_New(NULL);
    for (PQconninfoOption *o = options; names != NULL && o->keyword != NULL; o++) {
        PyObject *name = PyUnicode_FromString(o->keyword);
        if (name == NULL || PySet_Add(names, name) < 0) Py_CLEAR(names);
        Py_XDECREF(name);
    }
    PQconninfoFree(options);
    return names;
}

/* the whole output of one COPY ... TO STDOUT into out (replacing what it held) */
static read_status pg_copy_out(PGconn *conn, const char *sql, buffer *out) {
    out->len = 0;
    PGresult *result = PQexec(conn, sql);
    int started = PQresultStatus(result) == PGRES_COPY_OUT;
    PQclear(result);
    if (!started) return READ_DATABASE;
    read_status status = READ_OK;
    char *data;
    int n;
    while ((n = PQgetCopyData(conn, &data, 0)) > 0) {
        if (status == READ_OK && buf_put(out, data, (size_t)n) < 0) status = READ_NOMEM;
        PQfreemem(data);
    }
    if (n == -2 && status == READ_OK) status = READ_DATABASE;
    while ((result = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(result) != PGRES_COMMAND_OK && status == READ_OK) status = READ_DATABASE;
        PQclear(result);
    }
    return status;
}

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
} copy_cursor;

static int64_t be_int(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
    if (bytes < 8 && (v >> (8 * bytes - 1))) v |= ~(uint64_t)0 << (8 * bytes); /* sign */
    return (int64_t)v;
}

/* after the binary COPY header: 0, or -1 when it is not one */
static int copy_header(copy_cursor *c) {
    if (c->end - c->p < 19 || memcmp(c->p, PG_SIGNATURE, 11) != 0) return -1;
    int64_t flags = be_int(c->p + 11, 4), extension = be_int(c->p + 15, 4);
    c->p += 19;
    if ((flags & 0xffff0000) != 0 || extension < 0 || c->end - c->p < extension) return -1;
    c->p += extension;
    return 0;
}

/* the next row's field count: fields >= 0, -1 for the trailer, -2 when malformed */
static int copy_row(copy_cursor *c) {
    if (c->end - c->p < 2) return -2;
    int fields = (int)be_int(c->p, 2);
    c->p += 2;
    return fields < -1 ? -2 : fields;
}

/* the next field (not NULL): its bytes and length, or -1 */
static int copy_field(copy_cursor *c, const unsigned char **data, size_t *size) {
    if (c->end - c->p < 4) return -1;
    int64_t n = be_int(c->p, 4);
    c->p += 4;
    if (n < 0 || c->end - c->p < n) return -1;
    *data = c->p;
    *size = (size_t)n;
    c->p += n;
    return 0;
}

/* the trailer, and nothing after it */
static int copy_end(copy_cursor *c) { return copy_row(c) == -1 && c->p == c->end ? 0 : -1; }

/* the leaf hashes of entries [start, stop) into out; READ_IRREGULAR when one differs
 * from the leaf hash stored in its row. Each row is hashed as it arrives (libpq hands over
 * one COPY row per call), so the server goes on producing rows while this thread hashes:
 * one thread keeps both busy. */
static read_status pg_leaf_hashes(PGconn *conn, int64_t start, int64_t stop, long version,
                                  unsigned char *out) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "COPY (SELECT idx, action, actor, correlation_id, payload, subject, tenant, time, "
             "leaf FROM audit_entries WHERE idx >= %lld AND idx < %lld ORDER BY idx) "
             "TO STDOUT (FORMAT binary)",
             (long long)start, (long long)stop);
    PGresult *result = PQexec(conn, sql);
    int started = PQresultStatus(result) == PGRES_COPY_OUT;
    PQclear(result);
    if (!started) return READ_DATABASE;
    char tail[48];
    int tail_len = snprintf(tail, sizeof tail, ",\"v\":%ld}", version);
    buffer leaf = {NULL, 0, 0};
    read_status status = READ_OK;
    int header = 0, trailer = 0;
    int64_t expected = start;
    char *data;
    int n;
    /* read to the end whatever happens, so that the connection can go on */
    while ((n = PQgetCopyData(conn, &data, 0)) > 0) {
        copy_cursor c = {(const unsigned char *)data, (const unsigned char *)data + n};
        if (status == READ_OK && !header) {
            header = 1;
            if (copy_header(&c) < 0) status = READ_IRREGULAR;
        }
        while (status == READ_OK && c.p < c.end) {
            int fields = copy_row(&c);
            if (fields == -1 && !trailer) {
                trailer = 1;
                continue; /* nothing may follow: checked below */
            }
            const unsigned char *text[9];
            size_t size[9];
            if (trailer || fields != 9 || expected >= stop ||
                copy_field(&c, &text[0], &size[0]) < 0 || size[0] != 8 ||
                be_int(text[0], 8) != expected) {
                status = READ_IRREGULAR;
                break;
            }
            for (int col = 1; col < 9 && status == READ_OK; col++)
                if (copy_field(&c, &text[col], &size[col]) < 0) status = READ_IRREGULAR;
            if (status != READ_OK) break;
            if (build_leaf(&leaf, expected, text, size, tail, (size_t)tail_len) < 0) {
                status = READ_NOMEM;
                break;
            }
            unsigned char *hash = out + HASH * (expected - start);
            sha256(leaf.data, leaf.len, hash);
            if (size[8] != HASH || memcmp(text[8], hash, HASH) != 0) status = READ_IRREGULAR;
            expected++;
        }
        PQfreemem(data);
    }
    if (n == -2 && status == READ_OK) status = READ_DATABASE;
    while ((result = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(result) != PGRES_COMMAND_OK && status == READ_OK) status = READ_DATABASE;
        PQclear(result);
    }
    free(leaf.data);
    if (status == READ_OK && (!header || !trailer || expected != stop)) status = READ_IRREGULAR;
    return status;
}

/* Compare every stored node from level floor up of the perfect subtree [start, start +
 * 2^depth) with the computed levels: one COPY of each level's key range in key order,
 * level after level; *matched says whether all were equal. A node missing, doubled, out
 * of its range or of another size is READ_IRREGULAR. */
static read_status pg_compare_nodes(PGconn *conn, int64_t start, int depth, int floor,
                                    unsigned char **levels, int *matched, buffer *raw) {
    int64_t count = (int64_t)1 << depth;
    *matched = 1;
    if (floor > depth) return READ_OK; /* a subtree below a tile: no node stored */
    buffer sql = {NULL, 0, 0};
    char part[256];
    if (BUF_LIT(&sql, "COPY (") < 0) return READ_NOMEM;
    for (int level = floor; level <= depth; level++) {
        int n = snprintf(part, sizeof part,
                         "%s(SELECT level, idx, hash FROM audit_nodes WHERE level = %d "
                         "AND idx >= %lld AND idx < %lld ORDER BY idx)",
                         level > floor ? " UNION ALL " : "", level, (long long)(start >> level),
                         (long long)((start + count) >> level));
        if (buf_put(&sql, part, (size_t)n) < 0) {
            free(sql.data);
            return READ_NOMEM;
        }
    }
    static const char closing[] = ") TO STDOUT (FORMAT binary)";
    if (buf_put(&sql, closing, sizeof closing) < 0) { /* with the final NUL */
        free(sql.data);
        return READ_NOMEM;
    }
    read_status status = pg_copy_out(conn, (const char *)sql.data, raw);
    free(sql.data);
    if (status != READ_OK) return status;
    copy_cursor c = {raw->data, raw->data + raw->len};
    if (copy_header(&c) < 0) return READ_IRREGULAR;
    for (int level = floor; level <= depth; level++) {
        int64_t low = start >> level, n = count >> level;
        for (int64_t i = 0; i < n; i++) {
            const unsigned char *field[3];
            size_t size[3];
            if (copy_row(&c) != 3 || copy_field(&c, &field[0], &size[0]) < 0 || size[0] != 2 ||
                be_int(field[0], 2) != level || copy_field(&c, &field[1], &size[1]) < 0 ||
                size[1] != 8 || be_int(field[1], 8) != low + i ||
                copy_field(&c, &field[2], &size[2]) < 0 || size[2] != HASH)
                return READ_IRREGULAR;
            if (memcmp(field[2], levels[level] + HASH * i, HASH) != 0) *matched = 0;
        }
    }
    return copy_end(&c) < 0 ? READ_IRREGULAR : READ_OK;
}

PyDoc_STRVAR(pg_subtree_doc,
"pg_subtree(reader, start, stop, version, floor, /)\n--\n\n"
"sqlite_subtree for PostgreSQL, through a reader from pg_open: the levels of the perfect\n"
"subtree of entries [start, stop), or None when anything differs or cannot be read (the\n"
"caller's checked path then judges the range).");

static PyObject *pg_subtree(PyObject *self, PyObject *args) {
    PyObject *capsule;
    long long start, stop;
    long version;
    (void)self;
    int floor;
    if (!PyArg_ParseTuple(args, "OLLli:pg_subtree", &capsule, &start, &stop, &version, &floor))
        return NULL;
    if (floor < 0) floor = 0;
    if (!PyCapsule_IsValid(capsule, PG_CAPSULE)) {
        PyErr_SetString(PyExc_TypeError, "pg_subtree: the reader must come from pg_open");
        return NULL;
    }
    PGconn *conn = (PGconn *)PyCapsule_GetPointer(capsule, PG_CAPSULE);
    int depth;
    PyObject *levels = new_levels(start, stop, &depth);
    if (levels == NULL) return NULL;
    unsigned char *bufs[64];
    for (int level = 0; level <= depth; level++)
        bufs[level] = (unsigned char *)PyBytes_AS_STRING(PyList_GET_ITEM(levels, level));
    int64_t count = stop - start;
    read_status status;
    int matched = 0;
    Py_BEGIN_ALLOW_THREADS
    buffer raw = {NULL, 0, 0};
    status = pg_leaf_hashes(conn, start, stop, version, bufs[0]);
    for (int level = 1; status == READ_OK && level <= depth; level++)
        level_up(bufs[level - 1], (size_t)(count >> (level - 1)), bufs[level]);
    if (status == READ_OK) status = pg_compare_nodes(conn, start, depth, floor, bufs, &matched, &raw);
    free(raw.data);
    Py_END_ALLOW_THREADS
    if (status != READ_OK || !matched) {
        Py_DECREF(levels);
        return no_answer(status);
    }
    return levels;
}
#endif

/* a list of 32-byte bytes objects from n concatenated hashes */
static PyObject *hash_list(const unsigned char *hashes, Py_ssize_t n) {
    PyObject *out = PyList_New(n);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyBytes_FromStringAndSize((const char *)hashes + HASH * i, HASH);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, item);
    }
    return out;
}

/* arg as a fast sequence of bytes objects (of ``size`` bytes each, unless size < 0), with
 * its length and items; NULL with ``error`` raised when it is not one. */
static PyObject *bytes_items(PyObject *arg, Py_ssize_t size, PyObject *error,
                             const char *message, Py_ssize_t *n, PyObject ***items) {
    PyObject *seq = PySequence_Fast(arg, message);
    if (seq == NULL) return NULL;
    *n = PySequence_Fast_GET_SIZE(seq);
    *items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < *n; i++) {
        PyObject *item = (*items)[i];
        if (!PyBytes_Check(item) || (size >= 0 && PyBytes_GET_SIZE(item) != size)) {
            Py_DECREF(seq);
            PyErr_SetString(error, message);
            return NULL;
        }
    }
    return seq;
}

PyDoc_STRVAR(leaf_hashes_doc,
"leaf_hashes(entries, /)\n--\n\n"
"SHA-256(0x00 || entry) of each bytes object of the sequence ``entries``, as a list\n"
"(golive.core.merkle.leaf_hashes).");

static PyObject *leaf_hashes(PyObject *self, PyObject *arg) {
    (void)self;
    Py_ssize_t n;
    PyObject **items;
    PyObject *seq = bytes_items(arg, -1, PyExc_TypeError,
                                "leaf_hashes() takes a sequence of bytes", &n, &items);
    if (seq == NULL) return NULL;
    unsigned char *hashes = malloc((size_t)(n > 0 ? n : 1) * HASH);
    if (hashes == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    static const unsigned char zero = 0x00;
    SHA256_CTX ctx;
    for (Py_ssize_t i = 0; i < n; i++) {
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, &zero, 1);
        SHA256_Update(&ctx, PyBytes_AS_STRING(items[i]), (size_t)PyBytes_GET_SIZE(items[i]));
        SHA256_Final(hashes + HASH * i, &ctx);
    }
    Py_DECREF(seq);
    PyObject *out = hash_list(hashes, n);
    free(hashes);
    return out;
}

PyDoc_STRVAR(level_up_doc,
"level_up(level, /)\n--\n\n"
"The level above a sequence of 32-byte node hashes: SHA-256(0x01 || left || right) of each\n"
"pair from the left, an odd last node promoted unchanged (golive.core.merkle.level_up).");

static PyObject *level_up_list(PyObject *self, PyObject *arg) {
    (void)self;
    Py_ssize_t n;
    PyObject **items;
    PyObject *seq = bytes_items(arg, HASH, PyExc_ValueError,
                                "level_up() takes a sequence of 32-byte hashes", &n, &items);
    if (seq == NULL) return NULL;
    Py_ssize_t pairs = n / 2;
    unsigned char *hashes = malloc((size_t)(pairs > 0 ? pairs : 1) * HASH);
    if (hashes == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    unsigned char pair[1 + 2 * HASH];
    pair[0] = 0x01;
    for (Py_ssize_t i = 0; i < pairs; i++) {
        memcpy(pair + 1, PyBytes_AS_STRING(items[2 * i]), HASH);
        memcpy(pair + 1 + HASH, PyBytes_AS_STRING(items[2 * i + 1]), HASH);
        sha256(pair, sizeof pair, hashes + HASH * i);
    }
    PyObject *out = hash_list(hashes, pairs);
    free(hashes);
    if (out != NULL && n % 2 == 1 && PyList_Append(out, items[n - 1]) < 0) Py_CLEAR(out);
    Py_DECREF(seq);
    return out;
}

PyDoc_STRVAR(all_hashes_doc,
"all_hashes(items, /)\n--\n\n"
"Whether every item of the sequence is a bytes object of 32 bytes.");

static PyObject *all_hashes(PyObject *self, PyObject *arg) {
    (void)self;
    PyObject *seq = PySequence_Fast(arg, "all_hashes() takes a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    int ok = 1;
    for (Py_ssize_t i = 0; ok && i < n; i++)
        ok = PyBytes_Check(items[i]) && PyBytes_GET_SIZE(items[i]) == HASH;
    Py_DECREF(seq);
    return PyBool_FromLong(ok);
}

/* The MTH of n >= 1 concatenated node hashes of one level, in place: buf's first hash. */
static void root_in_place(unsigned char *buf, size_t n) {
    while (n > 1) {
        level_up(buf, n, buf);
        if (n % 2 == 1) memmove(buf + HASH * (n / 2), buf + HASH * (n - 1), HASH);
        n = n / 2 + n % 2;
    }
}

typedef struct {
    unsigned char *buf;
    size_t n;
    pthread_t thread;
    int started;
} chunk;

static void *root_chunk_thread(void *arg) {
    chunk *c = (chunk *)arg;
    root_in_place(c->buf, c->n);
    return NULL;
}

#define MAX_CHUNKS 16

PyDoc_STRVAR(root_doc,
"root(level, threads=1, /)\n--\n\n"
"The RFC 9162 tree hash over a non-empty sequence of 32-byte node hashes of one level (the\n"
"leaf hashes, or the roots of equal perfect chunks and a last shorter one), pairing from the\n"
"left and promoting an odd last node (golive.core.merkle.root_from_level). With threads > 1,\n"
"aligned chunks are hashed at once and their roots combined: the same root.");

static PyObject *root(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *arg;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "O|i:root", &arg, &threads)) return NULL;
    Py_ssize_t n;
    PyObject **items;
    PyObject *seq = bytes_items(arg, HASH, PyExc_ValueError,
                                "root() takes a sequence of 32-byte hashes", &n, &items);
    if (seq == NULL) return NULL;
    if (n == 0) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "root() takes at least one hash");
        return NULL;
    }
    unsigned char *buf = malloc((size_t)n * HASH);
    if (buf == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) memcpy(buf + HASH * i, PyBytes_AS_STRING(items[i]), HASH);
    Py_DECREF(seq);
    if (threads < 1) threads = 1;
    if (threads > MAX_CHUNKS) threads = MAX_CHUNKS;
    Py_BEGIN_ALLOW_THREADS
    /* chunks of a power of two of nodes, so that their roots are one level's nodes */
    size_t size = 1, total = (size_t)n;
    while (size * (size_t)threads < total) size *= 2;
    size_t count = (total + size - 1) / size;
    chunk chunks[MAX_CHUNKS];
    for (size_t c = 0; c < count; c++) {
        chunks[c].buf = buf + HASH * size * c;
        chunks[c].n = c + 1 < count ? size : total - size * c;
        chunks[c].started =
            c > 0 && pthread_create(&chunks[c].thread, NULL, root_chunk_thread, &chunks[c]) == 0;
    }
    for (size_t c = 0; c < count; c++)
        if (!chunks[c].started) root_in_place(chunks[c].buf, chunks[c].n);
    for (size_t c = 0; c < count; c++) {
        if (chunks[c].started) pthread_join(chunks[c].thread, NULL);
        memmove(buf + HASH * c, chunks[c].buf, HASH);
    }
    root_in_place(buf, count);
    Py_END_ALLOW_THREADS
    PyObject *out = PyBytes_FromStringAndSize((const char *)buf, HASH);
    free(buf);
    return out;
}

PyDoc_STRVAR(levels_doc,
"levels(hashes, /)\n--\n\n"
"The levels of the perfect tree over ``hashes`` (the 32-byte hashes of a power of two of\n"
"leaves, concatenated): a list from the leaves' level up to the root's, each level's node\n"
"hashes SHA-256(0x01 || left || right) concatenated.");

static PyObject *levels(PyObject *self, PyObject *arg) {
    (void)self;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    int64_t count = view.len / HASH;
    if (view.len % HASH != 0 || !is_power_of_two(count)) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "levels() takes a power of two of 32-byte hashes");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    PyObject *below = PyBytes_FromStringAndSize(view.buf, view.len);
    PyBuffer_Release(&view);
    if (out == NULL || below == NULL || PyList_Append(out, below) < 0) goto fail;
    while (count > 1) {
        PyObject *above = PyBytes_FromStringAndSize(NULL, HASH * (count / 2));
        if (above == NULL) goto fail;
        const unsigned char *src = (const unsigned char *)PyBytes_AS_STRING(below);
        unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(above);
        Py_BEGIN_ALLOW_THREADS
        level_up(src, (size_t)count, dst);
        Py_END_ALLOW_THREADS
        Py_DECREF(below);
        below = above;
        count /= 2;
        if (PyList_Append(out, below) < 0) goto fail;
    }
    Py_DECREF(below);
    return out;
fail:
    Py_XDECREF(below);
    Py_XDECREF(out);
    return NULL;
}

/* ---- export bundles -------------------------------------------------------------------- */

/* A strict JSON scanner over UTF-8 bytes: positions only, no values built. */
typedef struct {
    const unsigned char *p;
    const unsigned char *end;
    int depth;
} scanner;

#define MAX_DEPTH 512

static void skip_ws(scanner *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* a string token from its opening quote; 0 on success (s->p after the closing quote) */
static int scan_string(scanner *s, int *escaped) {
    if (s->p >= s->end || *s->p != '"') return -1;
    s->p++;
    *escaped = 0;
    while (s->p < s->end) {
        unsigned char c = *s->p;
        if (c == '"') {
            s->p++;
            return 0;
        }
        if (c < 0x20) return -1;
        if (c == '\\') {
            *escaped = 1;
            if (s->p + 1 >= s->end) return -1;
            unsigned char e = s->p[1];
            if (e == 'u') {
                if (s->p + 5 >= s->end) return -1;
                for (int k = 2; k < 6; k++) {
                    unsigned char h = s->p[k];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                        return -1;
                }
                s->p += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0) return -1;
            s->p += 2;
            continue;
        }
        s->p++;
    }
    return -1;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int scan_number(scanner *s) {
    const unsigned char *p = s->p;
    if (p < s->end && *p == '-') p++;
    if (p >= s->end) return -1;
    if (*p == '0') {
        p++;
    } else if (is_digit(*p)) {
        while (p < s->end && is_digit(*p)) p++;
    } else {
        return -1;
    }
    if (p < s->end && *p == '.') {
        p++;
        if (p >= s->end || !is_digit(*p)) return -1;
        while (p < s->end && is_digit(*p)) p++;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < s->end && (*p == '+' || *p == '-')) p++;
        if (p >= s->end || !is_digit(*p)) return -1;
        while (p < s->end && is_digit(*p)) p++;
    }
    s->p = p;
    return 0;
}

static int scan_literal(scanner *s, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return -1;
    s->p += n;
    return 0;
}

/* Scan one value; with out, append it without insignificant whitespace. */
static int scan_value(scanner *s, buffer *out) {
    skip_ws(s);
    if (s->p >= s->end) return -1;
    const unsigned char *start = s->p;
    unsigned char c = *s->p;
    int escaped;
    if (c == '{' || c == '[') {
        unsigned char close = c == '{' ? '}' : ']';
        if (++s->depth > MAX_DEPTH) return -1;
        s->p++;
        if (out && buf_put(out, &c, 1) < 0) return -2;
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            s->depth--;
            return out && buf_put(out, &close, 1) < 0 ? -2 : 0;
        }
        for (;;) {
            if (c == '{') {
                skip_ws(s);
                const unsigned char *key = s->p;
                if (scan_string(s, &escaped) < 0) return -1;
                if (out && buf_put(out, key, (size_t)(s->p - key)) < 0) return -2;
                skip_ws(s);
                if (s->p >= s->end || *s->p != ':') return -1;
                s->p++;
                if (out && BUF_LIT(out, ":") < 0) return -2;
            }
            int rc = scan_value(s, out);
            if (rc < 0) return rc;
            skip_ws(s);
            if (s->p >= s->end) return -1;
            if (*s->p == ',') {
                s->p++;
                if (out && BUF_LIT(out, ",") < 0) return -2;
                continue;
            }
            if (*s->p != close) return -1;
            s->p++;
            s->depth--;
            return out && buf_put(out, &close, 1) < 0 ? -2 : 0;
        }
    }
    int rc;
    if (c == '"')
        rc = scan_string(s, &escaped);
    else if (c == 't')
        rc = scan_literal(s, "true");
    else if (c == 'f')
        rc = scan_literal(s, "false");
    else if (c == 'n')
        rc = scan_literal(s, "null");
    else
        rc = scan_number(s);
    if (rc < 0) return -1;
    return out && buf_put(out, start, (size_t)(s->p - start)) < 0 ? -2 : 0;
}

static int key_is(const unsigned char *key, const unsigned char *after, const char *word) {
    size_t n = strlen(word);
    return (size_t)(after - key) == n + 2 && memcmp(key + 1, word, n) == 0;
}

/* One entry object: its top-level members but "personal", without whitespace, as the leaf
 * text into out; *personal set when it has that member. */
static int scan_entry(scanner *s, buffer *out, int *personal) {
    skip_ws(s);
    if (s->p >= s->end || *s->p != '{') return -1;
    s->p++;
    *personal = 0;
    if (BUF_LIT(out, "{") < 0) return -2;
    int written = 0, escaped;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return BUF_LIT(out, "}") < 0 ? -2 : 0;
    }
    for (;;) {
        skip_ws(s);
        const unsigned char *key = s->p;
        if (scan_string(s, &escaped) < 0) return -1;
        const unsigned char *after = s->p;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':') return -1;
        s->p++;
        if (!escaped && key_is(key, after, "personal")) {
            if (*personal) return -1; /* twice: the Python path decides */
            *personal = 1;
            int rc = scan_value(s, NULL);
            if (rc < 0) return rc;
        } else {
            if ((written && BUF_LIT(out, ",") < 0) || buf_put(out, key, (size_t)(after - key)) < 0 ||
                BUF_LIT(out, ":") < 0)
                return -2;
            int rc = scan_value(s, out);
            if (rc < 0) return rc;
            written = 1;
        }
        skip_ws(s);
        if (s->p >= s->end) return -1;
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p != '}') return -1;
        s->p++;
        return BUF_LIT(out, "}") < 0 ? -2 : 0;
    }
}

/* One stretch of the entries array, scanned from an entry's '{' up to the first entry that
 * starts at or after ``stop`` (SEG_STOP, ``at`` that entry's '{'), or up to the array's ']'
 * (SEG_END, ``at`` just after it). Scanning is deterministic, so a stretch that starts where
 * the sequential scan would start an entry gives exactly what the sequential scan gives. */
typedef enum { SEG_INVALID = 0, SEG_NOMEM, SEG_STOP, SEG_END } seg_status;

typedef struct {
    const unsigned char *base, *from, *end, *stop;
    seg_status status;
    const unsigned char *at;
    buffer hashes;
    int64_t *spans; /* (position within the stretch, start, end) of entries with "personal" */
    size_t nspans, capspans;
    pthread_t thread;
    int started, joined;
} segment;

static void scan_segment(segment *g) {
    scanner s = {g->from, g->end, 0};
    buffer leaf = {NULL, 0, 0};
    g->status = SEG_INVALID;
    for (;;) {
        skip_ws(&s);
        const unsigned char *entry = s.p;
        int personal;
        leaf.len = 0;
        if (BUF_LIT(&leaf, "\x00") < 0) { g->status = SEG_NOMEM; break; }
        int rc = scan_entry(&s, &leaf, &personal);
        if (rc == -2) { g->status = SEG_NOMEM; break; }
        if (rc < 0) break;
        if (buf_reserve(&g->hashes, HASH) < 0) { g->status = SEG_NOMEM; break; }
        sha256(leaf.data, leaf.len, g->hashes.data + g->hashes.len);
        g->hashes.len += HASH;
        if (personal) {
            if (g->nspans == g->capspans) {
                size_t cap = g->capspans ? g->capspans * 2 : 64;
                int64_t *grown = realloc(g->spans, cap * 3 * sizeof *g->spans);
                if (grown == NULL) { g->status = SEG_NOMEM; break; }
                g->spans = grown;
                g->capspans = cap;
            }
            g->spans[3 * g->nspans] = (int64_t)(g->hashes.len / HASH - 1);
            g->spans[3 * g->nspans + 1] = entry - g->base;
            g->spans[3 * g->nspans + 2] = s.p - g->base;
            g->nspans++;
        }
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            skip_ws(&s);
            if (g->stop != NULL && s.p >= g->stop) {
                g->status = SEG_STOP;
                g->at = s.p;
                break;
            }
            continue;
        }
        if (s.p < s.end && *s.p == ']') {
            g->status = SEG_END;
            g->at = s.p + 1;
        }
        break;
    }
    free(leaf.data);
}

static void *scan_segment_thread(void *arg) {
    scan_segment((segment *)arg);
    return NULL;
}

static void segment_free(segment *g) {
    if (g->started && !g->joined) pthread_join(g->thread, NULL);
    g->joined = 1;
    free(g->hashes.data);
    free(g->spans);
    g->hashes.data = NULL;
    g->spans = NULL;
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* A guess at where an entry starts, at or after q: a '{' that begins the way the first entry
 * begins (up to its first key) and follows '}' ',' with only whitespace between. A guess may
 * be wrong (the same bytes inside a value); the merge below only keeps a stretch whose start
 * the stretch before it reached as an entry start. */
static const unsigned char *guess_entry(const unsigned char *q, const unsigned char *end,
                                        const unsigned char *first, size_t prefix) {
    while (q < end) {
        const unsigned char *c = memchr(q, '{', (size_t)(end - q));
        if (c == NULL) return NULL;
        if ((size_t)(end - c) >= prefix && memcmp(c, first, prefix) == 0) {
            const unsigned char *b = c;
            while (b > first && is_ws(b[-1])) b--;
            if (b > first && b[-1] == ',') {
                b--;
                while (b > first && is_ws(b[-1])) b--;
                if (b > first && b[-1] == '}') return c;
            }
        }
        q = c + 1;
    }
    return NULL;
}

#define MAX_SEGMENTS 16

/* Scan the entries array from its first entry (s->p at it, the array not empty) into hashes
 * and spans, with up to ``threads`` stretches scanned at once; s->p ends after the ']'.
 * 0, -1 (not a plain array of entry objects) or -2 (out of memory). */
static int scan_entries(scanner *s, const unsigned char *base, int threads, buffer *hashes,
                        int64_t **spans, size_t *nspans) {
    const unsigned char *first = s->p;
    segment seg[MAX_SEGMENTS];
    int n = 0;
    memset(seg, 0, sizeof seg);
    if (threads > MAX_SEGMENTS) threads = MAX_SEGMENTS;
    seg[n++].from = first;
    if (threads > 1 && first < s->end && *first == '{') {
        scanner t = {first + 1, s->end, 0};
        int escaped;
        skip_ws(&t);
        size_t prefix = 1;
        if (scan_string(&t, &escaped) == 0) prefix = (size_t)(t.p - first);
        size_t span = (size_t)(s->end - first);
        for (int k = 1; k < threads; k++) {
            const unsigned char *c =
                guess_entry(first + span / (size_t)threads * (size_t)k, s->end, first, prefix);
            if (c != NULL && c > seg[n - 1].from) seg[n++].from = c;
        }
    }
    for (int k = 0; k < n; k++) {
        seg[k].base = base;
        seg[k].end = s->end;
        seg[k].stop = k + 1 < n ? seg[k + 1].from : NULL;
    }
    for (int k = 1; k < n; k++)
        seg[k].started = pthread_create(&seg[k].thread, NULL, scan_segment_thread, &seg[k]) == 0;
    scan_segment(&seg[0]);

    int rc = 0, next = 1;
    segment extra, *cur = &seg[0];
    memset(&extra, 0, sizeof extra);
    for (;;) {
        if (cur->status == SEG_NOMEM) { rc = -2; break; }
        if (cur->status == SEG_INVALID) { rc = -1; break; }
        size_t offset = hashes->len / HASH;
        if (buf_put(hashes, cur->hashes.data, cur->hashes.len) < 0) { rc = -2; break; }
        if (cur->nspans) {
            int64_t *grown = realloc(*spans, (*nspans + cur->nspans) * 3 * sizeof **spans);
            if (grown == NULL) { rc = -2; break; }
            *spans = grown;
            for (size_t i = 0; i < cur->nspans; i++) {
                grown[3 * (*nspans + i)] = cur->spans[3 * i] + (int64_t)offset;
                grown[3 * (*nspans + i) + 1] = cur->spans[3 * i + 1];
                grown[3 * (*nspans + i) + 2] = cur->spans[3 * i + 2];
            }
            *nspans += cur->nspans;
        }
        seg_status status = cur->status;
        const unsigned char *at = cur->at;
        segment_free(cur);
        if (status == SEG_END) {
            s->p = at;
            break;
        }
        /* at is an entry start the scan reached: the stretch guessed there, if any, holds */
        while (next < n && seg[next].from < at) next++;
        if (next < n && seg[next].from == at) {
            cur = &seg[next++];
            if (cur->started) {
                pthread_join(cur->thread, NULL);
                cur->joined = 1;
            } else {
                scan_segment(cur);
            }
        } else {
            memset(&extra, 0, sizeof extra);
            extra.base = base;
            extra.from = at;
            extra.end = s->end;
            extra.stop = next < n ? seg[next].from : NULL;
            scan_segment(&extra);
            cur = &extra;
        }
    }
    segment_free(&extra);
    for (int k = 0; k < n; k++) segment_free(&seg[k]);
    return rc;
}

PyDoc_STRVAR(bundle_entries_doc,
"bundle_entries(data, threads=1, /)\n--\n\n"
"Scan an export bundle (JSON bytes): the byte span of its top-level ``entries`` array, the\n"
"RFC 9162 leaf hash of each entry taken as its text without insignificant whitespace and\n"
"without its ``personal`` member (a list), and the position and byte span of each\n"
"entry that has one: ``(start, end, hashes, [(position, start, end), ...])``. None when the bytes are not one\n"
"JSON object with exactly one plain ``entries`` array of objects, or any key of the object\n"
"is written with escapes; the caller then parses the bundle as a whole. With threads > 1 the\n"
"array is split where entries appear to start and the stretches are scanned at once; the\n"
"answer is the sequential scan's whatever the guesses.");

static PyObject *bundle_entries(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *arg;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "O|i:bundle_entries", &arg, &threads)) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    scanner s = {(const unsigned char *)view.buf, (const unsigned char *)view.buf + view.len, 0};
    const unsigned char *base = s.p;
    buffer hashes = {NULL, 0, 0};
    int64_t *spans = NULL;
    size_t nspans = 0;
    Py_ssize_t array_start = -1, array_end = -1;
    int rc = 0, found = 0, escaped;
    Py_BEGIN_ALLOW_THREADS
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{') rc = -1;
    else s.p++;
    skip_ws(&s);
    if (rc == 0 && s.p < s.end && *s.p == '}') { s.p++; }
    else while (rc == 0) {
        skip_ws(&s);
        const unsigned char *key = s.p;
        if (scan_string(&s, &escaped) < 0 || escaped) { rc = -1; break; }
        const unsigned char *after = s.p;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':') { rc = -1; break; }
        s.p++;
        skip_ws(&s);
        if (key_is(key, after, "entries")) {
            if (found++ || s.p >= s.end || *s.p != '[') { rc = -1; break; }
            array_start = s.p - base;
            s.p++;
            skip_ws(&s);
            if (s.p < s.end && *s.p == ']') s.p++;
            else rc = scan_entries(&s, base, threads, &hashes, &spans, &nspans);
            array_end = s.p - base;
        } else {
            rc = scan_value(&s, NULL);
        }
        if (rc < 0) break;
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',') { s.p++; continue; }
        if (s.p < s.end && *s.p == '}') { s.p++; break; }
        rc = -1;
    }
    if (rc == 0) {
        skip_ws(&s);
        if (s.p != s.end || !found) rc = -1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = NULL;
    if (rc == -2) {
        PyErr_NoMemory();
    } else if (rc < 0) {
        result = Py_None;
        Py_INCREF(result);
    } else {
        PyObject *blob = hash_list(hashes.data, (Py_ssize_t)(hashes.len / HASH));
        PyObject *list = PyList_New((Py_ssize_t)nspans);
        if (blob != NULL && list != NULL) {
            for (size_t i = 0; i < nspans; i++) {
                PyObject *pair = Py_BuildValue("(LLL)", (long long)spans[3 * i],
                                               (long long)spans[3 * i + 1], (long long)spans[3 * i + 2]);
                if (pair == NULL) { Py_CLEAR(list); break; }
                PyList_SET_ITEM(list, (Py_ssize_t)i, pair);
            }
        }
        if (blob != NULL && list != NULL)
            result = Py_BuildValue("(nnOO)", array_start, array_end, blob, list);
        Py_XDECREF(blob);
        Py_XDECREF(list);
    }
    free(hashes.data);
    free(spans);
    return result;
}

static PyMethodDef methods[] = {
    {"sqlite_subtree", sqlite_subtree, METH_VARARGS, sqlite_subtree_doc},
    {"levels", levels, METH_O, levels_doc},
    {"root", root, METH_VARARGS, root_doc},
    {"all_hashes", all_hashes, METH_O, all_hashes_doc},
    {"leaf_hashes", leaf_hashes, METH_O, leaf_hashes_doc},
    {"level_up", level_up_list, METH_O, level_up_doc},
    {"bundle_entries", bundle_entries, METH_VARARGS, bundle_entries_doc},
    {"finding_rows", golive_finding_rows, METH_VARARGS, golive_finding_rows_doc},
    {"sarif_results", golive_sarif_results, METH_VARARGS, golive_sarif_results_doc},
    {"pack", golive_pack, METH_VARARGS, golive_pack_doc},
    {"unpack", golive_unpack, METH_VARARGS, golive_unpack_doc},
    {"instances", golive_instances, METH_VARARGS, golive_instances_doc},
    {"junit_records", golive_junit_records, METH_VARARGS, golive_junit_records_doc},
    {"merge_issues", golive_merge_issues, METH_VARARGS, golive_merge_issues_doc},
    {"counted_issues", golive_counted_issues, METH_VARARGS, golive_counted_issues_doc},
    {"views_within", golive_views_within, METH_VARARGS, golive_views_within_doc},
#ifdef GOLIVE_LIBPQ
    {"pg_options", pg_options, METH_NOARGS, pg_options_doc},
    {"pg_open", pg_open, METH_VARARGS, pg_open_doc},
    {"pg_subtree", pg_subtree, METH_VARARGS, pg_subtree_doc},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "golive._native",
    "Compiled inner loops of the audit ledger (optional; see golive.native).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
