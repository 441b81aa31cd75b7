// Package byteio is a stand-in for vimagination.zapto.org/byteio, which the Go module proxy does not
// serve (it answers 403). MOSN v1.6.1 needs it only in its Seata stream filter
// (pkg/filter/stream/seata, linked in by cmd/mosn/main), which our tests never configure; this
// package provides just the big-endian reader and writer that filter calls, with the same
// signatures, so the upstream main package builds unchanged.
package byteio

import (
	"encoding/binary"
	"io"
)

// BigEndianWriter writes big-endian integers to Writer.
type BigEndianWriter struct {
	io.Writer
}

// WriteUint32 writes v as 4 big-endian bytes and returns the count written.
func (w BigEndianWriter) WriteUint32(v uint32) (int, error) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return w.Writer.Write(b[:])
}

// BigEndianReader reads big-endian integers from Reader.
type BigEndianReader struct {
	io.Reader
}

// ReadUint32 reads 4 big-endian bytes; it returns the value, the count read and any error.
func (r BigEndianReader) ReadUint32() (uint32, int, error) {
	var b [4]byte
	n, err := io.ReadFull(r.Reader, b[:])
	if err != nil {
		return 0, n, err
	}
	return binary.BigEndian.Uint32(b[:]), n, nil
}
