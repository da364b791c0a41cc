// Command mapsla-go-reader is a mapsla external reader built on
// github.com/cilium/ebpf 0.9.1 (Debian's golang-github-cilium-ebpf-dev).
//
// It speaks the protocol of docs/external-readers.md: configuration from
// MAPSLA_* environment variables, one binary frame per pass written to
// MAPSLA_OUT_FD. MAPSLA_MODE picks the read path:
//
//	lookup   Map.Lookup for keys 0..MAPSLA_KEY_COUNT-1; per-op latency recorded.
//	         A failed lookup is reported with its errno (ENOENT = missing).
//	iterate  Map.Iterate (BPF_MAP_GET_NEXT_KEY + lookup); per-Next latency
//	         recorded. The library skips keys deleted between next-key and
//	         lookup, so "missing" cannot appear here, only "skipped". It gives up
//	         after max_entries+1 steps with ErrIterationAborted, reported as
//	         pass_status ECANCELED.
//	batch    Map.BatchLookup with MAPSLA_BATCH_SIZE; no per-entry latency.
//	         ErrKeyNotExist ends the pass even after a partial batch; ENOSPC
//	         (a hash bucket larger than the batch) doubles the batch and retries.
//
// Exit status: 0 after the deadline or SIGTERM, 1 runtime error, 2 bad
// configuration, 3 mode not applicable to this map (reason on stderr).
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

const (
	exitRuntime       = 1
	exitConfig        = 2
	exitNotApplicable = 3
)

type config struct {
	mapFD      int
	mapPin     string
	outFD      int
	kind       string
	keyCount   uint32
	keySize    uint32
	valueSize  uint32
	deadlineNs uint64
	mode       string
	batchSize  int
	maxEntries uint32
}

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func fail(code int, format string, args ...interface{}) error {
	return &exitError{code, fmt.Errorf(format, args...)}
}

func envUint(name string, bits int, required bool) (uint64, error) {
	s, ok := os.LookupEnv(name)
	if !ok || s == "" {
		if required {
			return 0, fail(exitConfig, "%s is not set", name)
		}
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, fail(exitConfig, "%s=%q: %v", name, s, err)
	}
	return v, nil
}

func loadConfig() (*config, error) {
	c := &config{mapFD: -1}
	var err error
	get := func(name string, bits int, required bool) uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = envUint(name, bits, required)
		return v
	}
	if s := os.Getenv("MAPSLA_MAP_FD"); s != "" {
		c.mapFD = int(get("MAPSLA_MAP_FD", 31, true))
	}
	c.mapPin = os.Getenv("MAPSLA_MAP_PIN")
	c.outFD = int(get("MAPSLA_OUT_FD", 31, true))
	c.kind = os.Getenv("MAPSLA_MAP_KIND")
	c.keyCount = uint32(get("MAPSLA_KEY_COUNT", 32, true))
	c.keySize = uint32(get("MAPSLA_KEY_SIZE", 32, true))
	c.valueSize = uint32(get("MAPSLA_VALUE_SIZE", 32, true))
	c.deadlineNs = get("MAPSLA_DEADLINE_NS", 64, true)
	c.maxEntries = uint32(get("MAPSLA_MAX_ENTRIES_PER_PASS", 32, true))
	c.batchSize = int(get("MAPSLA_BATCH_SIZE", 31, false))
	c.mode = os.Getenv("MAPSLA_MODE")
	if err != nil {
		return nil, err
	}
	switch {
	case c.mapFD < 0 && c.mapPin == "":
		return nil, fail(exitConfig, "neither MAPSLA_MAP_FD nor MAPSLA_MAP_PIN is set")
	case c.keySize != 4:
		return nil, fail(exitConfig, "MAPSLA_KEY_SIZE=%d, this reader handles u32 keys only", c.keySize)
	case c.valueSize == 0:
		return nil, fail(exitConfig, "MAPSLA_VALUE_SIZE must be > 0")
	case c.maxEntries == 0:
		return nil, fail(exitConfig, "MAPSLA_MAX_ENTRIES_PER_PASS must be > 0")
	}
	switch c.mode {
	case "lookup", "iterate":
	case "batch":
		if c.batchSize < 1 {
			return nil, fail(exitConfig, "MAPSLA_MODE=batch needs MAPSLA_BATCH_SIZE >= 1")
		}
	default:
		return nil, fail(exitConfig, "MAPSLA_MODE=%q: want lookup, iterate or batch", c.mode)
	}
	if c.mode == "lookup" && c.keyCount > c.maxEntries {
		return nil, fail(exitConfig, "MAPSLA_KEY_COUNT %d > MAPSLA_MAX_ENTRIES_PER_PASS %d",
			c.keyCount, c.maxEntries)
	}
	return c, nil
}

var kindTypes = map[string]ebpf.MapType{
	"hash":         ebpf.Hash,
	"array":        ebpf.Array,
	"lru_hash":     ebpf.LRUHash,
	"percpu_hash":  ebpf.PerCPUHash,
	"percpu_array": ebpf.PerCPUArray,
}

// possibleCPUs counts /sys/devices/system/cpu/possible the way the kernel
// sizes per-CPU values (num_possible_cpus()).
func possibleCPUs() (int, error) {
	raw, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(raw)), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0, fmt.Errorf("parse cpu list %q: %v", raw, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return 0, fmt.Errorf("parse cpu list %q: %v", raw, err)
			}
		}
		n += b - a + 1
	}
	return n, nil
}

func openMap(c *config) (*ebpf.Map, error) {
	var m *ebpf.Map
	var err error
	if c.mapFD >= 0 {
		// NewMapFromFD takes ownership of the inherited descriptor.
		m, err = ebpf.NewMapFromFD(c.mapFD)
		if err != nil {
			return nil, fail(exitConfig, "MAPSLA_MAP_FD=%d: %v", c.mapFD, err)
		}
	} else {
		m, err = ebpf.LoadPinnedMap(c.mapPin, &ebpf.LoadPinOptions{ReadOnly: true})
		if err != nil {
			return nil, fail(exitConfig, "MAPSLA_MAP_PIN=%s: %v", c.mapPin, err)
		}
	}
	if want, ok := kindTypes[c.kind]; ok && m.Type() != want {
		m.Close()
		return nil, fail(exitConfig, "MAPSLA_MAP_KIND=%s but the map is %v", c.kind, m.Type())
	} else if !ok && c.kind != "" {
		m.Close()
		return nil, fail(exitConfig, "MAPSLA_MAP_KIND=%q is not one this reader knows", c.kind)
	}
	if m.KeySize() != c.keySize {
		m.Close()
		return nil, fail(exitConfig, "map key size %d != MAPSLA_KEY_SIZE %d", m.KeySize(), c.keySize)
	}
	full := m.ValueSize()
	switch m.Type() {
	case ebpf.PerCPUHash, ebpf.PerCPUArray, ebpf.LRUCPUHash:
		n, err := possibleCPUs()
		if err != nil {
			m.Close()
			return nil, fail(exitRuntime, "possible CPUs: %v", err)
		}
		full = (full + 7) / 8 * 8 * uint32(n)
	}
	if full != c.valueSize {
		m.Close()
		return nil, fail(exitConfig, "map value buffer is %d bytes != MAPSLA_VALUE_SIZE %d", full,
			c.valueSize)
	}
	return m, nil
}

// monoNs reads CLOCK_MONOTONIC, the clock mapsla compares pass times against.
// x/sys/unix makes this a real system call (~450 ns on the development VM), so
// it is read only at pass boundaries; per-entry latencies are durations and use
// time.Now's monotonic reading instead (vDSO, ~30 ns; also CLOCK_MONOTONIC).
func monoNs() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err) // cannot fail for CLOCK_MONOTONIC with a valid pointer
	}
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}

// errnoOf maps a library error to the errno the protocol reports. Errors that
// carry no errno become EIO and are logged, since the frame cannot hold text.
//
// The nil case is kept apart so that it inlines and allocates nothing: in
// errnoOfErr the errno target of errors.As escapes to the heap (8 bytes per
// call). Written as one function, that allocation happened on every lookup,
// successful or not — 16 384 allocations per pass that no Go program calling
// Map.Lookup pays, and the garbage collector work they cause.
func errnoOf(err error) int32 {
	if err == nil {
		return 0
	}
	return errnoOfErr(err)
}

func errnoOfErr(err error) int32 {
	var errno unix.Errno
	switch {
	case errors.Is(err, ebpf.ErrIterationAborted):
		return int32(unix.ECANCELED)
	case errors.As(err, &errno) && errno > 0 && errno <= maxErrno:
		return int32(errno)
	}
	fmt.Fprintf(os.Stderr, "mapsla-go-reader: %v (reported as EIO)\n", err)
	return int32(unix.EIO)
}

type reader struct {
	cfg   *config
	m     *ebpf.Map
	stop  *atomic.Bool
	frame *frameBuf

	// lookup, iterate: the key the library reads from (lookup) or decodes into
	// (iterate). A field, not a local, so that handing its address to the
	// library as an interface does not allocate it on every pass.
	key uint32
	// iterate
	scratch []byte
	// batch
	batchSize int
	keys      []uint32
	values    batchValues
	rawBatch  bool
	enospc    int // batches retried with a doubled size
	// the batch cursor, fields for the same reason as key
	cursor, next uint32
}

// batchValues receives BatchLookup's values: the library requires a slice with
// one element per requested entry and decodes into it through
// encoding.BinaryUnmarshaler, so each element is a row of one contiguous block.
type batchValues [][]byte

func (v batchValues) UnmarshalBinary(buf []byte) error {
	if len(v) == 0 {
		return nil
	}
	size := len(buf) / len(v)
	for i := range v {
		copy(v[i], buf[i*size:(i+1)*size])
	}
	return nil
}

func (r *reader) sizeBatch(n int) {
	r.batchSize = n
	r.keys = make([]uint32, n)
	block := make([]byte, n*int(r.cfg.valueSize))
	r.values = make(batchValues, n)
	for i := range r.values {
		r.values[i] = block[i*int(r.cfg.valueSize) : (i+1)*int(r.cfg.valueSize)]
	}
}

// pass reads the map once into r.frame. It returns false when SIGTERM arrived
// during the pass: an interrupted pass is never reported.
func (r *reader) pass() (bool, error) {
	r.frame.reset(monoNs())
	var status int32
	var ok bool
	var err error
	switch r.cfg.mode {
	case "lookup":
		ok = r.lookupPass()
	case "iterate":
		ok, status = r.iteratePass()
	case "batch":
		ok, status, err = r.batchPass()
	}
	end := monoNs()
	if !ok || err != nil {
		return false, err
	}
	_, err = r.frame.finish(end, status)
	return true, err
}

// lookupPass and iteratePass time exactly the library call, a Go program's
// Map.Lookup or MapIterator.Next: the two clock reads are the statements
// either side of it, and the frame bookkeeping (zeroing the slot, status,
// latency, copying the value) runs between one op's end and the next op's
// start, untimed. Each latency is t1 - t0 of its own call, not the time since
// the previous op ended; those untimed gaps (7-12 % of a lookup pass) are the
// difference from chained timestamps (docs/external-readers.md, "The Go
// reader's P99").
// Nothing the reader itself does allocates inside a pass; what the library
// allocates inside the call (Next: a key buffer and two interface
// conversions per entry; Lookup on an error: the wrapped error) stays in,
// since a Go program pays it too.
func (r *reader) lookupPass() bool {
	keyPtr := unsafe.Pointer(&r.key)
	for r.key = 0; r.key < r.cfg.keyCount; r.key++ {
		if r.stop.Load() {
			return false
		}
		i, value := r.frame.slot(r.key)
		// unsafe.Pointer arguments take the library's zero-copy path: the
		// kernel writes the value straight into the frame.
		valuePtr := unsafe.Pointer(&value[0])
		t0 := time.Now()
		err := r.m.Lookup(keyPtr, valuePtr)
		t1 := time.Now()
		r.frame.setStatus(i, errnoOf(err))
		r.frame.setLatency(i, uint64(t1.Sub(t0)))
	}
	return true
}

func (r *reader) iteratePass() (bool, int32) {
	it := r.m.Iterate()
	keyOut := &r.key
	valueOut := unsafe.Pointer(&r.scratch[0])
	for {
		if r.stop.Load() {
			return false, 0
		}
		if uint32(r.frame.count) == r.cfg.maxEntries {
			return true, int32(unix.E2BIG)
		}
		t0 := time.Now()
		ok := it.Next(keyOut, valueOut)
		t1 := time.Now()
		if !ok {
			break
		}
		r.frame.add(r.key, 0, uint64(t1.Sub(t0)), r.scratch)
	}
	return true, errnoOf(it.Err())
}

func (r *reader) batchPass() (bool, int32, error) {
	if r.batchSize != r.cfg.batchSize {
		r.sizeBatch(r.cfg.batchSize) // every pass measures the configured batch size
	}
	cursor, next := &r.cursor, &r.next
	var prev interface{} // nil starts at the beginning of the map
	for calls := 0; ; calls++ {
		if r.stop.Load() {
			return false, 0, nil
		}
		var n int
		var err error
		if r.rawBatch {
			n, err = rawLookupBatch(r.m.FD(), prev != nil, *cursor, next, r.keys, r.values)
		} else {
			n, err = r.m.BatchLookup(prev, next, r.keys, r.values, nil)
		}
		if err != nil && !r.rawBatch && calls == 0 && errors.Is(err, ebpf.ErrNotSupported) {
			// 0.9.1 decides batch support by creating a map (haveBatchAPI) and
			// caches "unsupported" when that fails, which it always does without
			// CAP_BPF; the command itself only needs a readable fd.
			if r.m.Type() == ebpf.PerCPUHash || r.m.Type() == ebpf.PerCPUArray {
				return false, 0, fail(exitNotApplicable,
					"batch: cilium/ebpf 0.9.1 BatchLookup does not support per-CPU maps")
			}
			fmt.Fprintf(os.Stderr, "mapsla-go-reader: Map.BatchLookup: %v; "+
				"issuing BPF_MAP_LOOKUP_BATCH directly from now on\n", err)
			r.rawBatch = true
			calls = -1
			continue
		}
		if n > len(r.keys) {
			return false, 0, fail(exitRuntime, "batch returned %d entries for %d slots", n, len(r.keys))
		}
		if uint32(r.frame.count+n) > r.cfg.maxEntries {
			n = int(r.cfg.maxEntries) - r.frame.count
			r.appendBatch(n)
			return true, int32(unix.E2BIG), nil
		}
		r.appendBatch(n)
		switch {
		case errors.Is(err, ebpf.ErrKeyNotExist):
			return true, 0, nil // end of map, possibly after a partial batch
		case errors.Is(err, unix.ENOSPC) && n == 0 && r.batchSize < int(r.cfg.maxEntries):
			// A hash bucket holds more entries than the batch can take.
			r.enospc++
			r.sizeBatch(2 * r.batchSize)
			continue
		case errors.Is(err, unix.EINVAL) && r.rawBatch && calls == 0 && r.frame.count == 0:
			return false, 0, fail(exitNotApplicable, "batch: kernel rejects BPF_MAP_LOOKUP_BATCH: %v", err)
		case err != nil:
			return true, errnoOf(err), nil
		case n == 0:
			return false, 0, fail(exitRuntime, "batch lookup returned no entries and no error")
		}
		// The cursor is opaque (a bucket index for hash maps, the last key for
		// arrays): hand back exactly what the kernel returned.
		*cursor = *next
		prev = cursor
	}
}

func (r *reader) appendBatch(n int) {
	for i := 0; i < n; i++ {
		r.frame.add(r.keys[i], 0, 0, r.values[i])
	}
}

func run() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	m, err := openMap(cfg)
	if err != nil {
		return err
	}
	defer m.Close()

	var stop atomic.Bool
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	go func() {
		<-sig
		stop.Store(true)
	}()

	out := os.NewFile(uintptr(cfg.outFD), "MAPSLA_OUT_FD")
	if out == nil {
		return fail(exitConfig, "MAPSLA_OUT_FD=%d is not a valid descriptor", cfg.outFD)
	}
	w := bufio.NewWriterSize(out, 1<<20)

	r := &reader{cfg: cfg, m: m, stop: &stop, scratch: make([]byte, cfg.valueSize)}
	capacity := int(cfg.keyCount)
	if capacity > int(cfg.maxEntries) {
		capacity = int(cfg.maxEntries)
	}
	r.frame = newFrameBuf(int(cfg.keySize), int(cfg.valueSize), cfg.mode != "batch", capacity)
	if cfg.mode == "batch" {
		r.sizeBatch(cfg.batchSize)
	}

	for !stop.Load() && monoNs() < cfg.deadlineNs {
		ok, err := r.pass()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if _, err := w.Write(r.frame.b); err != nil {
			return fail(exitRuntime, "write frame: %v", err)
		}
		if err := w.Flush(); err != nil {
			return fail(exitRuntime, "write frame: %v", err)
		}
	}
	if r.enospc > 0 {
		fmt.Fprintf(os.Stderr, "mapsla-go-reader: batch: %d calls retried with a doubled batch "+
			"after ENOSPC (a hash bucket held more entries than MAPSLA_BATCH_SIZE)\n", r.enospc)
	}
	if err := out.Close(); err != nil {
		return fail(exitRuntime, "close MAPSLA_OUT_FD: %v", err)
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		code := exitRuntime
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		fmt.Fprintf(os.Stderr, "mapsla-go-reader: %v\n", err)
		os.Exit(code)
	}
}
