package experiment

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

// Conformance checks a hello trial's replies for its wire (SeedConformance
// or HTTPConformance) and returns one line per failure.
func Conformance(t Trial) []string {
	if t.Wire == catalogue.WireSeed {
		return SeedConformance(t)
	}
	return HTTPConformance(t)
}

// SeedConformance checks that every connection got the article's reply,
// byte for byte, whatever it sent. The reply has no length, so it ends at
// EOF, or never, where the parent keeps the socket (3d's lesson).
func SeedConformance(t Trial) []string {
	var fails []string
	for _, s := range t.Steps {
		if s.Kind != StepClient {
			continue
		}
		if len(s.Clients) == 0 {
			fails = append(fails, fmt.Sprintf("%s: no connection", s.Label))
		}
		for _, r := range s.Clients {
			switch {
			case r.Outcome != client.Replied && r.Outcome != client.NoEOF:
				fails = append(fails, fmt.Sprintf("%s: outcome %s (%s), want the reply", s.Label, r.Outcome, r.Error))
			case r.Reply != catalogue.SeedReply:
				fails = append(fails, fmt.Sprintf("%s: reply %q, want the seed's %q", s.Label, r.Reply, catalogue.SeedReply))
			}
		}
	}
	return fails
}

// HTTPConformance checks a hello trial's replies the way TechEmpower's
// verifier checks a plaintext test: status, Content-Type, a Content-Length
// that matches the body, Server, a Date that is an IMF-fixdate, current,
// and changes across requests seconds apart, and the body.
func HTTPConformance(t Trial) []string {
	var fails []string
	fail := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }
	replies := map[string]client.Reply{}
	for _, label := range []string{StepHello1, StepHello2, StepNotFound, StepBadRequest} {
		rep, err := reply(t, label)
		if err != nil {
			fail("%s: %v", label, err)
			continue
		}
		replies[label] = rep
		if n, err := strconv.Atoi(rep.Header.Get("Content-Length")); err != nil || n != len(rep.Body) {
			fail("%s: Content-Length %q but a body of %d bytes", label, rep.Header.Get("Content-Length"), len(rep.Body))
		}
		if !rep.CRLF {
			fail("%s: header lines do not end in CRLF", label)
		}
	}
	for _, label := range []string{StepHello1, StepHello2} {
		rep, ok := replies[label]
		if !ok {
			continue
		}
		if rep.Status != 200 {
			fail("%s: status %d, want 200", label, rep.Status)
		}
		if ct := rep.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			fail("%s: Content-Type %q, want text/plain", label, ct)
		}
		if rep.Header.Get("Server") == "" {
			fail("%s: no Server header", label)
		}
		if d := rep.Header.Get("Date"); !imfFixdate(d) {
			fail("%s: Date %q is not an IMF-fixdate", label, d)
		} else if skew := dateSkew(t, label, d); skew > maxDateSkew {
			fail("%s: Date %q is %v away from when the reply came", label, d, skew)
		}
		if string(rep.Body) != catalogue.HelloBody {
			fail("%s: body %q, want %q", label, rep.Body, catalogue.HelloBody)
		}
	}
	if a, b := replies[StepHello1], replies[StepHello2]; a.Header != nil && b.Header != nil &&
		a.Header.Get("Date") == b.Header.Get("Date") {
		fail("Date %q did not change between %s and %s", a.Header.Get("Date"), StepHello1, StepHello2)
	}
	if rep, ok := replies[StepNotFound]; ok && rep.Status != 404 {
		fail("%s: status %d, want 404", StepNotFound, rep.Status)
	}
	if rep, ok := replies[StepBadRequest]; ok && rep.Status != 400 {
		fail("%s: status %d, want 400", StepBadRequest, rep.Status)
	}
	return fails
}

// reply is the parsed reply of the step's first connection. A reply without
// EOF counts: 3d keeps the socket open, and the reply is what is checked.
func reply(t Trial, label string) (client.Reply, error) {
	for _, s := range t.Steps {
		if s.Label != label {
			continue
		}
		if len(s.Clients) == 0 {
			return client.Reply{}, fmt.Errorf("no connection")
		}
		r := s.Clients[0]
		if r.Outcome != client.Replied && r.Outcome != client.NoEOF {
			return client.Reply{}, fmt.Errorf("outcome %s (%s)", r.Outcome, r.Error)
		}
		return client.ParseReply([]byte(r.Reply))
	}
	return client.Reply{}, fmt.Errorf("no step")
}

// maxDateSkew is how far a Date may be from the moment the reply came: it
// has one-second resolution and is truncated, and the specimen's clock is
// the host's.
const maxDateSkew = 2 * time.Second

// dateSkew is how far Date d is from the first byte of the step's reply.
func dateSkew(t Trial, label, d string) time.Duration {
	date, _ := time.Parse(time.RFC1123, d)
	for _, s := range t.Steps {
		if s.Label == label && len(s.Clients) > 0 {
			c := s.Clients[0]
			skew := date.Sub(c.Start.Add(c.FirstByte))
			if skew < 0 {
				skew = -skew
			}
			return skew
		}
	}
	return 0
}

// imfFixdate says whether d is an HTTP date in the preferred format,
// e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
func imfFixdate(d string) bool {
	_, err := time.Parse(time.RFC1123, d)
	return err == nil && strings.HasSuffix(d, " GMT") && len(d) == len("Sun, 06 Nov 1994 08:49:37 GMT")
}
