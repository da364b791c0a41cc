package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// goldenFrame is the example frame of docs/external-readers.md; the C++
// FrameWriter test (tests/unit/external_frame_test.cpp) checks the same bytes.
const goldenFrame = `
4d534c46 0100 0100 04000000 08000000 e803000000000000 d007000000000000 02000000 00000000
01000000 00000000 6400000000000000 0102030405060708
02000000 02000000 c800000000000000 0000000000000000
`

func TestGoldenFrame(t *testing.T) {
	want, err := hex.DecodeString(strings.Join(strings.Fields(goldenFrame), ""))
	if err != nil {
		t.Fatal(err)
	}
	f := newFrameBuf(4, 8, true, 1)
	f.reset(1000)
	f.add(1, 0, 100, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.add(2, 2 /* ENOENT */, 200, nil)
	got, err := f.finish(2000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("frame mismatch\n got %x\nwant %x", got, want)
	}
}

func TestNonzeroStatusZeroesValue(t *testing.T) {
	f := newFrameBuf(4, 4, false, 0)
	f.reset(1)
	i, v := f.slot(7)
	copy(v, []byte{9, 9, 9, 9})
	f.setStatus(i, 2)
	got, err := f.finish(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[headerSize+8:], []byte{0, 0, 0, 0}) {
		t.Fatalf("value not zeroed: %x", got[headerSize:])
	}
}

func TestDropLastAndReset(t *testing.T) {
	f := newFrameBuf(4, 8, false, 0)
	f.reset(5)
	f.add(1, 0, 0, make([]byte, 8))
	f.slot(2)
	f.dropLast()
	got, _ := f.finish(6, 0)
	if len(got) != headerSize+16 || got[32] != 1 {
		t.Fatalf("after dropLast: len %d count %d", len(got), got[32])
	}
	if _, err := f.finish(4, 0); err == nil {
		t.Fatal("finish accepted end before start")
	}
	if _, err := f.finish(6, -1); err == nil {
		t.Fatal("finish accepted a negative pass status")
	}
}
