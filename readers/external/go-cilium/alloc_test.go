package main

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
)

// These tests and benchmarks need a map of their own, so CAP_BPF (root); they
// skip without it. ctest runs them as part of external_go_reader_frame.
//
//	go test -run XXX -bench . -benchmem   (docs/external-readers.md, "The Go reader's P99")

const (
	allocTestKeys  = 16384
	allocTestValue = 64
)

func allocTestMap(tb testing.TB, typ ebpf.MapType) *ebpf.Map {
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: typ, KeySize: 4, ValueSize: allocTestValue,
		MaxEntries: allocTestKeys})
	if err != nil {
		tb.Skipf("cannot create a map (needs CAP_BPF): %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	v := make([]byte, allocTestValue)
	for k := uint32(0); k < allocTestKeys; k++ {
		if err := m.Put(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}

func allocTestReader(m *ebpf.Map, mode string) *reader {
	cfg := &config{keyCount: allocTestKeys, keySize: 4, valueSize: allocTestValue, mode: mode,
		batchSize: 4096, maxEntries: 16 * allocTestKeys}
	r := &reader{cfg: cfg, m: m, stop: new(atomic.Bool), scratch: make([]byte, allocTestValue)}
	r.frame = newFrameBuf(4, allocTestValue, mode != "batch", allocTestKeys)
	if mode == "batch" {
		r.sizeBatch(cfg.batchSize)
	}
	return r
}

func runPass(tb testing.TB, r *reader) {
	ok, err := r.pass()
	if !ok || err != nil {
		tb.Fatalf("pass: ok %v, err %v", ok, err)
	}
	if r.frame.count != allocTestKeys {
		tb.Fatalf("pass read %d entries, want %d", r.frame.count, allocTestKeys)
	}
}

// TestLookupPassAllocatesNothing: Map.Lookup with unsafe.Pointer arguments
// allocates nothing, so neither may the reader around it (an errors.As target
// escaping to the heap once cost one allocation per lookup).
func TestLookupPassAllocatesNothing(t *testing.T) {
	r := allocTestReader(allocTestMap(t, ebpf.Array), "lookup")
	runPass(t, r)
	if n := testing.AllocsPerRun(5, func() { runPass(t, r) }); n != 0 {
		t.Fatalf("a lookup pass of %d keys allocates %v times, want 0", allocTestKeys, n)
	}
}

// TestRawBatchPassAllocatesNothing: the raw BPF_MAP_LOOKUP_BATCH path (what an
// unprivileged reader uses) reuses its buffers.
func TestRawBatchPassAllocatesNothing(t *testing.T) {
	r := allocTestReader(allocTestMap(t, ebpf.Hash), "batch")
	r.rawBatch = true
	runPass(t, r)
	if n := testing.AllocsPerRun(5, func() { runPass(t, r) }); n != 0 {
		t.Fatalf("a raw batch pass allocates %v times, want 0", n)
	}
}

// BenchmarkMapLookup is the library call alone, for comparison with the pass.
func BenchmarkMapLookup(b *testing.B) {
	m := allocTestMap(b, ebpf.Array)
	var key uint32
	value := make([]byte, allocTestValue)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key = uint32(i) % allocTestKeys
		if err := m.Lookup(unsafe.Pointer(&key), unsafe.Pointer(&value[0])); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkPass(b *testing.B, mode string, raw bool) {
	r := allocTestReader(allocTestMap(b, ebpf.Hash), mode)
	r.rawBatch = raw
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runPass(b, r)
	}
	b.ReportMetric(allocTestKeys, "entries/op")
}

// One op of these benchmarks is a whole pass over 16 384 keys.
func BenchmarkLookupPass(b *testing.B)        { benchmarkPass(b, "lookup", false) }
func BenchmarkIteratePass(b *testing.B)       { benchmarkPass(b, "iterate", false) }
func BenchmarkBatchPass(b *testing.B)         { benchmarkPass(b, "batch", false) }
func BenchmarkBatchPassRawBatch(b *testing.B) { benchmarkPass(b, "batch", true) }
