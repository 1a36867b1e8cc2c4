/*
 * walbuf.h — one write per commit to SQLite's write-ahead log: a VFS
 * over the default one that buffers the appends to a WAL file until the
 * store flushes them (walbuf.c says why that keeps the store's promises).
 */
#ifndef BRT_WALBUF_H
#define BRT_WALBUF_H

#include <sqlite3.h>

/* The VFS's name for sqlite3_open_v2, registered on first use; NULL
 * when it cannot be (then open with the default VFS). */
const char *brt__walbuf_vfs(void);

/* Write what db's WAL holds back: call after each statement that
 * committed. SQLITE_OK, or the error of a write that failed (sticky: the
 * store must not commit on this connection again). */
int brt__walbuf_flush(sqlite3 *db);

#endif
