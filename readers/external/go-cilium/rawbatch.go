package main

import (
	"runtime"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// bpfBatchAttr is the batch member of union bpf_attr (include/uapi/linux/bpf.h).
type bpfBatchAttr struct {
	inBatch   uint64
	outBatch  uint64
	keys      uint64
	values    uint64
	count     uint32
	mapFD     uint32
	elemFlags uint64
	flags     uint64
}

const bpfMapLookupBatch = 24 // BPF_MAP_LOOKUP_BATCH

// rawLookupBatch issues BPF_MAP_LOOKUP_BATCH itself, with the same contract as
// Map.BatchLookup in 0.9.1 (ENOENT => ErrKeyNotExist, count valid with it). It
// is used only when the library's feature probe refuses batching, which it does
// in every process that may not create maps. The kernel writes keys and values
// straight into keys and into the contiguous block behind values.
func rawLookupBatch(fd int, haveIn bool, in uint32, out *uint32, keys []uint32,
	values batchValues) (int, error) {
	attr := bpfBatchAttr{
		outBatch: uint64(uintptr(unsafe.Pointer(out))),
		keys:     uint64(uintptr(unsafe.Pointer(&keys[0]))),
		values:   uint64(uintptr(unsafe.Pointer(&values[0][0]))),
		count:    uint32(len(keys)),
		mapFD:    uint32(fd),
	}
	if haveIn {
		attr.inBatch = uint64(uintptr(unsafe.Pointer(&in)))
	}
	_, _, errno := unix.Syscall(unix.SYS_BPF, bpfMapLookupBatch, uintptr(unsafe.Pointer(&attr)),
		unsafe.Sizeof(attr))
	runtime.KeepAlive(keys)
	runtime.KeepAlive(values)
	runtime.KeepAlive(out)
	runtime.KeepAlive(&in)
	switch errno {
	case 0:
		return int(attr.count), nil
	case unix.ENOENT:
		return int(attr.count), ebpf.ErrKeyNotExist
	default:
		return 0, errno
	}
}
