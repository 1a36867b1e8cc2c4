/*
 * walbuf.c — a thin SQLite VFS over the default one that gathers the
 * writes of a commit to the write-ahead log into one pwrite (walbuf.h).
 *
 * SQLite writes each WAL frame as two writes (its 24-byte header, then
 * the page), so a commit of seven pages costs fourteen system calls, and
 * on ext4 each one pays for the inode lock, the page-cache lookups and a
 * dirty mark of every page it touches: the biggest share of the kernel
 * time the store adds to a request. Frames are appended contiguously, so
 * here they collect in a buffer, and the store flushes it (walbuf_flush)
 * right after COMMIT returns, before anything the commit guards may
 * leave. Any other use of the file (a read, a sync, a truncate, its size,
 * a lock, close) flushes first, so SQLite never sees the file behind what
 * it wrote; a write that is not an append flushes too.
 *
 * Why this keeps the store's promises: a commit is acknowledged to the
 * engine only once its frames are in the kernel (synchronous=NORMAL asks
 * no more of SQLite's own writes). A kill between SQLite's commit and the
 * flush loses a commit nothing was released for, like a kill one
 * instruction earlier. The WAL is read back from the file at the next
 * open: no wal-index survives the process (exclusive locking mode: it
 * lives in the heap), and recovery stops at the first frame whose
 * checksum does not follow, so a partly flushed commit is dropped whole.
 * A flush that fails is reported by the next call that needs the file,
 * and the store's commit then fails: the engine stops (persist.c), as it
 * does for any commit that fails.
 *
 * Only files SQLite opens as a WAL (SQLITE_OPEN_WAL) are wrapped; the
 * database file goes straight to the default VFS.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "walbuf.h"

/* The buffer is written out when it would grow past WALBUF_MAX, and in
 * pieces of at most WALBUF_PIECE bytes: the default VFS writes no more
 * than 128 KiB - 1 per call (unixWrite masks the count with 0x1ffff, as
 * SQLite itself never writes more than one page and its frame header at
 * a time), and reports a longer write as a full disk. */
enum { WALBUF_MAX = 1 << 20, WALBUF_PIECE = 64 * 1024 };

struct wb_file {
	sqlite3_file base; /* first: what SQLite holds */
	char *buf;
	size_t len, cap;
	sqlite3_int64 off;  /* file offset of buf[0] */
	int broken;	    /* the error of a write that failed: sticky */
	sqlite3_file *real; /* the default VFS's file, after this struct */
};

static sqlite3_vfs wb_vfs;
static sqlite3_vfs *wb_under;

/* The buffered frames into the file. A write that failed breaks the
 * file for good: SQLite may believe frames are in the log that are not
 * (a checkpoint ignores the error it gets), and a later commit appended
 * behind the gap would be lost at the next open. So every later call
 * fails, the store's commit included, and the engine stops. */
static int pass_write(struct wb_file *f, const void *data, int n,
		      sqlite3_int64 ofst)
{
	int rc = f->real->pMethods->xWrite(f->real, data, n, ofst);
	if (rc != SQLITE_OK)
		f->broken = rc;
	return rc;
}

static int wb_flush(struct wb_file *f)
{
	if (f->broken)
		return f->broken;
	int rc = SQLITE_OK;
	for (size_t at = 0; rc == SQLITE_OK && at < f->len;
	     at += WALBUF_PIECE) {
		size_t n = f->len - at < WALBUF_PIECE ? f->len - at
						      : WALBUF_PIECE;
		rc = pass_write(f, f->buf + at, (int)n,
				f->off + (sqlite3_int64)at);
	}
	f->len = 0;
	return rc;
}

static int wb_close(sqlite3_file *file)
{
	struct wb_file *f = (struct wb_file *)file;
	int rc = wb_flush(f);
	int rc2 = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int wb_write(sqlite3_file *file, const void *data, int n,
		    sqlite3_int64 ofst)
{
	struct wb_file *f = (struct wb_file *)file;
	if (f->broken)
		return f->broken;
	if ((f->len > 0 && ofst != f->off + (sqlite3_int64)f->len) ||
	    f->len + (size_t)n > WALBUF_MAX) { /* not an append, or full */
		int rc = wb_flush(f);
		if (rc != SQLITE_OK)
			return rc;
	}
	if (f->len + (size_t)n > f->cap) {
		size_t cap = f->cap ? f->cap : WALBUF_PIECE;
		while (cap < f->len + (size_t)n)
			cap *= 2;
		char *nb = realloc(f->buf, cap);
		if (!nb) { /* unbuffered, then */
			int rc = wb_flush(f);
			return rc != SQLITE_OK ? rc
					       : pass_write(f, data, n, ofst);
		}
		f->buf = nb;
		f->cap = cap;
	}
	if (f->len == 0)
		f->off = ofst;
	memcpy(f->buf + f->len, data, (size_t)n);
	f->len += (size_t)n;
	return SQLITE_OK;
}

/* Every other method: flush, then the default VFS's. */
#define REAL(f) (((struct wb_file *)(f))->real)
#define FLUSH_OR_RETURN(file)                                 \
	do {                                                  \
		int rc_ = wb_flush((struct wb_file *)(file)); \
		if (rc_ != SQLITE_OK)                         \
			return rc_;                           \
	} while (0)

static int wb_read(sqlite3_file *file, void *data, int n, sqlite3_int64 o)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xRead(REAL(file), data, n, o);
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xTruncate(REAL(file), size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xSync(REAL(file), flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xFileSize(REAL(file), size);
}

static int wb_lock(sqlite3_file *file, int level)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xLock(REAL(file), level);
}

static int wb_unlock(sqlite3_file *file, int level)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xUnlock(REAL(file), level);
}

static int wb_check_lock(sqlite3_file *file, int *out)
{
	return REAL(file)->pMethods->xCheckReservedLock(REAL(file), out);
}

static int wb_control(sqlite3_file *file, int op, void *arg)
{
	FLUSH_OR_RETURN(file);
	return REAL(file)->pMethods->xFileControl(REAL(file), op, arg);
}

static int wb_sector(sqlite3_file *file)
{
	return REAL(file)->pMethods->xSectorSize(REAL(file));
}

static int wb_device(sqlite3_file *file)
{
	return REAL(file)->pMethods->xDeviceCharacteristics(REAL(file));
}

/* Version 1 methods only: a WAL is never memory-mapped or shm-mapped
 * through its own handle (the wal-index is the database's). */
static const sqlite3_io_methods wb_methods = {
	.iVersion = 1,
	.xClose = wb_close,
	.xRead = wb_read,
	.xWrite = wb_write,
	.xTruncate = wb_truncate,
	.xSync = wb_sync,
	.xFileSize = wb_file_size,
	.xLock = wb_lock,
	.xUnlock = wb_unlock,
	.xCheckReservedLock = wb_check_lock,
	.xFileControl = wb_control,
	.xSectorSize = wb_sector,
	.xDeviceCharacteristics = wb_device,
};

static int wb_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
		   int flags, int *out_flags)
{
	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return wb_under->xOpen(wb_under, name, file, flags, out_flags);
	struct wb_file *f = (struct wb_file *)file;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	int rc = wb_under->xOpen(wb_under, name, f->real, flags, out_flags);
	/* xClose is called even when xOpen fails, if pMethods is set:
	 * leave it NULL then (SQLite's rule). */
	if (rc == SQLITE_OK)
		f->base.pMethods = &wb_methods;
	return rc;
}

/* The rest of the VFS is the default one's. */
#define PASS(name, ...) wb_under->name(wb_under, __VA_ARGS__)
static int wb_delete(sqlite3_vfs *v, const char *p, int sync)
{
	(void)v;
	return PASS(xDelete, p, sync);
}
static int wb_access(sqlite3_vfs *v, const char *p, int flags, int *out)
{
	(void)v;
	return PASS(xAccess, p, flags, out);
}
static int wb_full(sqlite3_vfs *v, const char *p, int n, char *out)
{
	(void)v;
	return PASS(xFullPathname, p, n, out);
}
static void *wb_dlopen(sqlite3_vfs *v, const char *p)
{
	(void)v;
	return PASS(xDlOpen, p);
}
static void wb_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	PASS(xDlError, n, out);
}
static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
	(void)v;
	return PASS(xDlSym, h, s);
}
static void wb_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	PASS(xDlClose, h);
}
static int wb_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return PASS(xRandomness, n, out);
}
static int wb_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return PASS(xSleep, us);
}
static int wb_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return PASS(xCurrentTime, out);
}
static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return wb_under->xGetLastError ? PASS(xGetLastError, n, out) : 0;
}
static int wb_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return PASS(xCurrentTimeInt64, out);
}

const char *brt__walbuf_vfs(void)
{
	if (wb_under)
		return wb_vfs.zName;
	sqlite3_vfs *under = sqlite3_vfs_find(NULL);
	if (!under || under->iVersion < 2)
		return NULL;
	wb_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct wb_file) + under->szOsFile,
		.mxPathname = under->mxPathname,
		.zName = "bpelc-walbuf",
		.xOpen = wb_open,
		.xDelete = wb_delete,
		.xAccess = wb_access,
		.xFullPathname = wb_full,
		.xDlOpen = wb_dlopen,
		.xDlError = wb_dlerror,
		.xDlSym = wb_dlsym,
		.xDlClose = wb_dlclose,
		.xRandomness = wb_random,
		.xSleep = wb_sleep,
		.xCurrentTime = wb_time,
		.xGetLastError = wb_last_error,
		.xCurrentTimeInt64 = wb_time64,
	};
	wb_under = under;
	if (sqlite3_vfs_register(&wb_vfs, 0) != SQLITE_OK) {
		wb_under = NULL;
		return NULL;
	}
	return wb_vfs.zName;
}

int brt__walbuf_flush(sqlite3 *db)
{
	sqlite3_file *file = NULL;
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
				 &file) != SQLITE_OK ||
	    !file || file->pMethods != &wb_methods)
		return SQLITE_OK;
	return wb_flush((struct wb_file *)file);
}
