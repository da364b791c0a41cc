/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI of the legacy test_run writer (legacy_writer.bpf.c and
 * legacy_locked_writer.bpf.c) for kernels without SEC("syscall") programs
 * (5.14) or bpf_loop (5.17), back to 5.10 LTS.
 *
 * They are XDP programs, run by BPF_PROG_TEST_RUN (XDP supports it since
 * 4.12) with one struct mapsla_writer_args (record.h) as the packet: the
 * program reads the range from the packet, writes it in a bounded loop
 * (accepted since 5.3) and stores updated/failed/last_error back into the
 * packet, which the kernel copies to data_out. XDP, not sched_cls: the run
 * builds an xdp_buff on a page instead of allocating an skb and a socket,
 * the packet is directly writable without bpf_skb_store_bytes, and both
 * program types may take a bpf_spin_lock.
 *
 * One run writes at most `max_keys` keys (rodata, at most
 * MAPSLA_LEGACY_WRITER_MAX_KEYS): the verifier walks every iteration of a
 * bounded loop, each one a whole record fill, and 5.10 stops at one million
 * processed instructions. The harness sets max_keys from the value size
 * (core/bpf/writer_program.h) and splits longer ranges into several runs.
 * A run whose packet is short or whose key_count is above max_keys returns
 * XDP_ABORTED without a write; a completed run returns XDP_PASS.
 */
#ifndef MAPSLA_BPF_LEGACY_WRITER_H
#define MAPSLA_BPF_LEGACY_WRITER_H

#define MAPSLA_LEGACY_WRITER_MAX_KEYS 32u

#endif /* MAPSLA_BPF_LEGACY_WRITER_H */
