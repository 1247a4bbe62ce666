/*
 * snapshot: the dsck snapshot format, version 1 (docs/snapshot-format.md), written and read
 * as a stream.
 *
 * A snapshot is JSON Lines: a header, one record per key in strictly
 * increasing byte order of keys, and a trailer with the record count and the
 * SHA-256 of every byte before it. The writer writes FILE.tmp (mode 0600),
 * fsyncs and renames it, so FILE is either complete or absent. The reader
 * rejects anything else with the line number, and returns records one at a
 * time: memory does not grow with the number of records.
 */
#ifndef DSCK_SNAPSHOT_H
#define DSCK_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "store/record.h"

#define SNAPSHOT_VERSION 1
/* Longest line accepted: a 1.5 MiB etcd value, escaped, with room to spare. */
#define SNAPSHOT_LINE_MAX ((size_t)64 << 20)
/* Readers read and hash the file in blocks of this size (see snapshot_seal). */
#define SNAPSHOT_BLOCK ((size_t)1 << 20)

struct snapshot_header {
	int version;
	char created[40];          /* RFC 3339 UTC */
	char tool[64];
	enum dsck_api api;
	char prefix[1024];
	char endpoint[512];
	char cluster_id[40];       /* hex */
	char member_id[24];        /* hex */
	char etcd_version[32];
	int64_t revision;          /* v3 */
	int64_t etcd_index;        /* v2 */
	bool ephemeral_included;
};

struct snapshot_flusher;

struct snapshot_writer {
	int fd;
	bool to_stdout;
	bool replace;              /* set before commit: may replace an existing file */
	void *gz;                  /* z_stream when writing FILE.gz, else NULL */
	struct buf zout;           /* compressed output */
	uint64_t file_bytes;       /* bytes written to the file (compressed or not) */
	char *path, *tmp_path;
	void *sha;                 /* EVP_MD_CTX */
	struct buf out;            /* pending output */
	size_t hashed;             /* bytes of out already in sha */
	struct snapshot_flusher *flusher;  /* hashes and writes full blocks, or NULL */
	bool flusher_off;          /* none could be started, or it has ended: write inline */
	struct buf last_key;
	bool have_last;
	enum dsck_api api;
	size_t records;
	uint64_t bytes;
};

/*
 * A snapshot verified once and held open, so that every later pass reads
 * exactly the bytes that were verified: the first pass records the SHA-256
 * of each block; later readers compare each block before they parse it, so
 * a file changed after verification fails before any changed record is
 * returned (docs/restore-safety.md). Replacing the file by rename does not
 * matter: the descriptor stays on the verified one.
 */
struct snapshot_seal {
	int fd;
	char *path;
	unsigned char (*sums)[32];
	size_t n, alloc;
	bool sealed;               /* every block recorded and the whole file verified */
};

struct snapshot_reader {
	int fd;
	const char *path;
	char *buf;                 /* read buffer */
	size_t cap, start, end;
	bool eof;
	size_t lineno;
	void *sha;
	struct snapshot_header hdr;
	struct buf prev_key;
	bool have_prev;
	size_t records;
	bool done;
	uint64_t bytes;
	struct snapshot_seal *seal;   /* borrowed; NULL for a plain reader */
	/* gzip, found by its magic bytes: input is inflated before it is parsed. */
	void *gz;                     /* z_stream, or NULL for plain input */
	unsigned char *zin;           /* raw input read ahead (magic check, gzip) */
	size_t zin_len, zin_pos;
	bool zin_eof, gz_end;
	uint64_t zin_total;           /* raw bytes read, for messages */
	size_t block;                 /* blocks read so far */
};

/*
 * Start writing @path ("-" for stdout); a name ending in ".gz" is written
 * as gzip (the trailer's SHA-256 still covers the uncompressed bytes, so a
 * gunzipped copy verifies too). The header is written at once.
 * Fails with DSCK_ERR_IO when the temp file cannot be created.
 */
enum dsck_err snapshot_writer_open(struct snapshot_writer *w, const char *path,
				   const struct snapshot_header *hdr, struct dsck_error *err);
/* Append one record; keys must arrive in strictly increasing byte order. */
enum dsck_err snapshot_writer_add(struct snapshot_writer *w, const struct dsck_record *r,
				  struct dsck_error *err);
/* Write the trailer, fsync, rename into place. The writer is released. */
enum dsck_err snapshot_writer_commit(struct snapshot_writer *w, struct dsck_error *err);
/* Remove the temp file and release the writer (safe after a failed commit). */
void snapshot_writer_abort(struct snapshot_writer *w);
/* Async-signal-safe: unlink the temp file of the writer in progress, if any. */
void snapshot_writer_signal_cleanup(void);

/*
 * Open @path and verify the whole snapshot once (every record, trailer,
 * checksum), recording the block hashes. Fails like a reader would.
 */
enum dsck_err snapshot_seal_open(struct snapshot_seal *s, const char *path,
				 struct dsck_error *err);
void snapshot_seal_release(struct snapshot_seal *s);
/* A reader over the sealed file, from its first byte. */
enum dsck_err snapshot_reader_open_sealed(struct snapshot_reader *r, struct snapshot_seal *s,
					  struct dsck_error *err);

/*
 * Open and validate the header. "-" reads standard input; gzip input (by
 * its magic bytes, not its name) is inflated transparently.
 */
enum dsck_err snapshot_reader_open(struct snapshot_reader *r, const char *path,
				   struct dsck_error *err);
/*
 * The next record, valid until the next call; *done after the trailer was
 * checked (count, checksum, nothing after it).
 */
enum dsck_err snapshot_reader_next(struct snapshot_reader *r, struct dsck_record *rec,
				   bool *done, struct dsck_error *err);
void snapshot_reader_close(struct snapshot_reader *r);

/* Render the header as its JSON line (without newline) into @b. */
enum dsck_err snapshot_header_json(struct buf *b, const struct snapshot_header *hdr);

#endif
