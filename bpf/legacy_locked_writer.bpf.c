// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The legacy locked writer (legacy_writer.h): the `locked` pattern of
 * locked_writer.bpf.c, with the same writes (locked_writer_ops.h), as an XDP
 * program with a bounded loop so that it loads on Linux 5.10.
 */
#include "locked_writer_ops.h"
#include "legacy_write_range.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

MAPSLA_LEGACY_WRITE_RANGE(mapsla_write_locked_key)
