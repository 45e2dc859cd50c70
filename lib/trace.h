/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The .tce trace format (traces/FORMAT.md): a streaming parser and a writer. Plain C99 and
 * POSIX so that the static guest replay runner links the same code as the host tools.
 *
 * Parsing keeps constant memory whatever the input size: one line buffer and one record.
 */
#ifndef TCELAB_TRACE_H
#define TCELAB_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define TRACE_FORMAT_VERSION	1
#define TRACE_MAX_WINDOWS	16
/* PAPR caps H_PUT_TCE_INDIRECT at 512; a trace may ask for more to test that limit. */
#define TRACE_MAX_LIST		1024
#define TRACE_MAX_LINE		32768
#define TRACE_MIN_PAGE_SHIFT	12
#define TRACE_MAX_PAGE_SHIFT	40

/* PAPR hypercall return codes (asm/hvcall.h) the tools name. */
#define H_SUCCESS	0
#define H_HARDWARE	(-1)
#define H_FUNCTION	(-2)
#define H_PARAMETER	(-4)
#define H_TOO_HARD	9999

/* TCE permission bits (asm/tce.h). */
#define TCE_PCI_READ	0x1ULL
#define TCE_PCI_WRITE	0x2ULL
#define TCE_PERM_MASK	(TCE_PCI_READ | TCE_PCI_WRITE)

/* A DMA window: what KVM_CREATE_SPAPR_TCE_64 creates for one LIOBN. */
struct trace_window {
	uint32_t liobn;
	unsigned int page_shift;
	uint64_t offset;		/* bus address of the first entry, bytes */
	uint64_t size;			/* bytes */
};

struct trace_header {
	unsigned int version;
	uint64_t ram_size;		/* guest RAM, bytes, from guest physical 0 */
	unsigned int iommu_page_shift;	/* host IOMMU page size behind every window */
	unsigned int nr_windows;	/* windows that exist before the first record */
	struct trace_window windows[TRACE_MAX_WINDOWS];
};

enum trace_op {
	TRACE_PUT,			/* H_PUT_TCE */
	TRACE_INDIRECT,			/* H_PUT_TCE_INDIRECT */
	TRACE_STUFF,			/* H_STUFF_TCE */
	TRACE_GET,			/* H_GET_TCE */
	TRACE_DDW_CREATE,		/* a window appears (ibm,create-pe-dma-window) */
	TRACE_DDW_REMOVE,		/* a window goes (ibm,remove-pe-dma-window) */
};

/* Optional fields present in a record. */
#define TRACE_HAS_RET	(1u << 0)
#define TRACE_HAS_TIME	(1u << 1)
#define TRACE_HAS_TID	(1u << 2)
#define TRACE_HAS_TCE	(1u << 3)	/* GET: the TCE the call must return */
#define TRACE_HAS_LIST	(1u << 4)	/* INDIRECT: guest physical address of the list */

struct trace_record {
	enum trace_op op;
	unsigned int flags;
	unsigned long line;		/* set by the parser */
	uint64_t liobn;			/* 64 bits: the hypercall argument is a register */
	uint64_t ioba;
	uint64_t tce;			/* PUT: the TCE; STUFF: the value; GET: expected TCE */
	uint64_t npages;		/* STUFF: pages; INDIRECT: entries in tces[] */
	uint64_t list_gpa;		/* INDIRECT with TRACE_HAS_LIST */
	struct trace_window window;	/* DDW_CREATE */
	int64_t ret;			/* expected return code, TRACE_HAS_RET */
	uint64_t time_ns;		/* TRACE_HAS_TIME */
	uint32_t tid;			/* TRACE_HAS_TID */
	uint64_t tces[TRACE_MAX_LIST];	/* INDIRECT */
};

/* Where bytes come from: read(2) on a descriptor, or a buffer in memory. */
struct trace_reader {
	const char *name;
	int fd;				/* -1 for memory */
	const char *mem;
	size_t mem_len, mem_pos;
	unsigned long line;		/* of the line last returned */
	size_t pos, end;		/* unread bytes are buf[pos, end) */
	int eof;
	char error[512];
	char buf[2 * TRACE_MAX_LINE];
};

void trace_reader_init_fd(struct trace_reader *rd, const char *name, int fd);
void trace_reader_init_mem(struct trace_reader *rd, const char *name, const char *data,
			   size_t len);
/*
 * Next line without its end of line (or "\r\n"); 1 when there is one, 0 at the end, -1 on a
 * read error or a line longer than TRACE_MAX_LINE (rd->error says which, with file:line).
 */
int trace_reader_line(struct trace_reader *rd, const char **line, size_t *len);

struct trace_parser {
	struct trace_reader rd;
	struct trace_header header;
	int header_done;
	const char *pending;		/* first record line, seen while reading the header */
	size_t pending_len;
	char error[600];		/* "file:line: what was expected" */
};

void trace_parser_init_fd(struct trace_parser *p, const char *name, int fd);
void trace_parser_init_mem(struct trace_parser *p, const char *name, const char *data,
			   size_t len);
/* Reads the header into p->header: 0, or -1 with p->error. */
int trace_read_header(struct trace_parser *p);
/* Next record (reads the header first if needed): 1, 0 at the end, -1 with p->error. */
int trace_next(struct trace_parser *p, struct trace_record *r);

/* Writers: 0, or -1 when the stream fails (errno). Records are validated by the caller. */
int trace_write_header(FILE *f, const struct trace_header *h);
int trace_write_record(FILE *f, const struct trace_record *r);
/* The longest record's text: an INDIRECT of TRACE_MAX_LIST TCEs ("0x" + 16 digits + ","). */
#define TRACE_RECORD_MAX	(TRACE_MAX_LIST * 19 + 256)
/* A record's line, "\n" included, at @buf (TRACE_RECORD_MAX bytes): its length. */
size_t trace_format_record(char *buf, const struct trace_record *r);

const char *trace_op_name(enum trace_op op);
/* "H_PARAMETER" for -4; NULL for a code without a name. */
const char *trace_ret_name(int64_t ret);
/* Parses a return code as ret= takes it ("H_PARAMETER", "-4"): 0, or -1 when it is not one. */
int trace_parse_ret(const char *s, int64_t *ret);
/* A size as the format writes it: "1G", "64K", or hex when no suffix is exact. */
void trace_format_size(char *buf, size_t len, uint64_t size);
/* Parses a size ("2G", "0x1000", "4096"): 0, or -1 when it is not one. */
int trace_parse_size(const char *s, uint64_t *size);

#endif /* TCELAB_TRACE_H */
