// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The legacy test_run writer (legacy_writer.h): every pattern of
 * writer.bpf.c but `locked`, with the same writes (writer_ops.h), as an XDP
 * program with a bounded loop so that it loads on Linux 5.10.
 */
#include "writer_ops.h"
#include "legacy_write_range.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

MAPSLA_LEGACY_WRITE_RANGE(mapsla_write_key)
