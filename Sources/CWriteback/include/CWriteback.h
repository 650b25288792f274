#ifndef PARTNERSCORE_CWRITEBACK_H
#define PARTNERSCORE_CWRITEBACK_H
// The one system call the store needs that Swift's Glibc module does not
// export (it is declared only under _GNU_SOURCE).

/// Start writing the file's dirty pages to disk now, without waiting for
/// them (Linux: sync_file_range with SYNC_FILE_RANGE_WRITE). Returns 0, or
/// -1 with errno set. Elsewhere it does nothing and returns 0.
int ps_start_writeback(int fd);

#endif
