package main

import (
	"encoding/binary"
	"fmt"
)

// Wire format of docs/external-readers.md, protocol version 1. Mirrors
// readers/external/frame.h; frame_test.go pins both to the same bytes.
const (
	headerSize      = 40
	protocolVersion = 1
	flagHasLatency  = 1 << 0
	maxErrno        = 4095
)

var magic = [4]byte{'M', 'S', 'L', 'F'}

// frameBuf builds one frame in place. Entries are appended as the pass runs
// (lookups can write values straight into their slot) and the header is filled
// in by finish, so a pass costs no copy beyond the one into the pipe.
type frameBuf struct {
	b          []byte
	keySize    int
	valueSize  int
	hasLatency bool
	entrySize  int
	count      int
	start      uint64
}

func newFrameBuf(keySize, valueSize int, hasLatency bool, capacityEntries int) *frameBuf {
	f := &frameBuf{keySize: keySize, valueSize: valueSize, hasLatency: hasLatency}
	f.entrySize = keySize + 4 + valueSize
	if hasLatency {
		f.entrySize += 8
	}
	f.b = make([]byte, headerSize, headerSize+capacityEntries*f.entrySize)
	return f
}

func (f *frameBuf) reset(passStartNs uint64) {
	f.b = f.b[:headerSize]
	f.count = 0
	f.start = passStartNs
}

// slot appends an entry with the given key and returns its value bytes (zeroed)
// for the caller to fill; setStatus/setLatency complete it.
func (f *frameBuf) slot(key uint32) (index int, value []byte) {
	at := len(f.b)
	if cap(f.b)-at < f.entrySize {
		grown := make([]byte, at, 2*cap(f.b)+f.entrySize)
		copy(grown, f.b)
		f.b = grown
	}
	f.b = f.b[:at+f.entrySize]
	e := f.b[at:]
	for i := range e {
		e[i] = 0
	}
	binary.LittleEndian.PutUint32(e, key)
	f.count++
	return f.count - 1, e[f.entrySize-f.valueSize:]
}

func (f *frameBuf) entry(index int) []byte {
	at := headerSize + index*f.entrySize
	return f.b[at : at+f.entrySize]
}

// setStatus records status for entry index; a nonzero status zeroes the value,
// which the protocol requires.
func (f *frameBuf) setStatus(index int, status int32) {
	e := f.entry(index)
	binary.LittleEndian.PutUint32(e[f.keySize:], uint32(status))
	if status != 0 {
		v := e[f.entrySize-f.valueSize:]
		for i := range v {
			v[i] = 0
		}
	}
}

func (f *frameBuf) setLatency(index int, ns uint64) {
	if f.hasLatency {
		binary.LittleEndian.PutUint64(f.entry(index)[f.keySize+4:], ns)
	}
}

// add appends a complete entry; value may be nil when status != 0.
func (f *frameBuf) add(key uint32, status int32, latencyNs uint64, value []byte) {
	i, slot := f.slot(key)
	if status == 0 {
		copy(slot, value)
	}
	f.setStatus(i, status)
	f.setLatency(i, latencyNs)
}

// dropLast removes the most recently appended entry.
func (f *frameBuf) dropLast() {
	f.b = f.b[:len(f.b)-f.entrySize]
	f.count--
}

func (f *frameBuf) finish(passEndNs uint64, passStatus int32) ([]byte, error) {
	if passEndNs < f.start {
		return nil, fmt.Errorf("pass end %d before start %d", passEndNs, f.start)
	}
	if passStatus < 0 || passStatus > maxErrno {
		return nil, fmt.Errorf("pass status %d is not an errno", passStatus)
	}
	h := f.b[:headerSize]
	copy(h[0:4], magic[:])
	binary.LittleEndian.PutUint16(h[4:], protocolVersion)
	var flags uint16
	if f.hasLatency {
		flags |= flagHasLatency
	}
	binary.LittleEndian.PutUint16(h[6:], flags)
	binary.LittleEndian.PutUint32(h[8:], uint32(f.keySize))
	binary.LittleEndian.PutUint32(h[12:], uint32(f.valueSize))
	binary.LittleEndian.PutUint64(h[16:], f.start)
	binary.LittleEndian.PutUint64(h[24:], passEndNs)
	binary.LittleEndian.PutUint32(h[32:], uint32(f.count))
	binary.LittleEndian.PutUint32(h[36:], uint32(passStatus))
	return f.b, nil
}
