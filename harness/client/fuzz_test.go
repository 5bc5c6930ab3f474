package client_test

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/serverlab/serverlab/harness/client"
)

// plainLength is a Content-Length value no reader can take two ways.
var plainLength = regexp.MustCompile(`^[0-9]{1,9}$`)

// FuzzParseReply feeds ParseReply and Complete what a specimen, or anything
// listening on its port, might send: raw is the bytes read so far, extra what
// the next read brings. Neither may panic; a parsed reply has a three-digit
// status and a body cut from the end of raw; Complete agrees with the
// Content-Length ParseReply read, and a reply it calls complete by its
// Content-Length stays complete whatever follows (the next reply on a
// keep-alive connection). Run it with a bounded minimization:
//
//	go test -run '^$' -fuzz FuzzParseReply -fuzztime 30s -fuzzminimizetime 5s ./harness/client
//
// The seeds in testdata/fuzz/FuzzParseReply are replies the C and Go
// specimens sent, and the ways a reply goes wrong.
func FuzzParseReply(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nHello, World!\n"), []byte("HTTP/1.1 200 OK\r\n"))
	f.Fuzz(func(t *testing.T, raw, extra []byte) {
		complete := client.Complete(raw)
		r, err := client.ParseReply(raw)
		if err != nil {
			return
		}
		if r.Status < 100 || r.Status > 999 {
			t.Fatalf("ParseReply(%q): status %d", raw, r.Status)
		}
		if !bytes.HasSuffix(raw, r.Body) {
			t.Fatalf("ParseReply(%q): body %q is not the end of the input", raw, r.Body)
		}
		lengths, codings := r.Header.Values("Content-Length"), r.Header.Values("Transfer-Encoding")
		if len(lengths) == 0 || len(codings) > 0 {
			return // framed by chunks, or by the close: not Complete's promise here
		}
		if len(lengths) == 1 && plainLength.MatchString(lengths[0]) {
			n, _ := strconv.Atoi(lengths[0])
			if want := len(r.Body) >= n; complete != want {
				t.Fatalf("Complete(%q) = %v, want %v: Content-Length %d, body of %d bytes", raw, complete, want, n, len(r.Body))
			}
		}
		// slices.Concat, not append: raw belongs to the fuzzer.
		if more := slices.Concat(raw, extra); complete && !client.Complete(more) {
			t.Fatalf("Complete(%q) = true, Complete(%q) = false", raw, more)
		}
	})
}
