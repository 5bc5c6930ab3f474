package runner_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/runner"
)

// TestConformance is the one black-box test every preset passes: started
// through the runner with its pinned limits, asked through the agent.
func TestConformance(t *testing.T) {
	for _, p := range catalogue.Presets() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			// No per-request delay here: what is checked is the reply.
			lab := &specimen{preset: p, opts: runnerArgsWithoutDelay(p)}
			lab.lab = start(t, p, lab.opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			first := lab.fetch(ctx, t, client.WithPath("/hello"))
			checkHello(t, first)
			time.Sleep(2100 * time.Millisecond) // Date has a one-second resolution
			second := lab.fetch(ctx, t, client.WithPath("/hello"))
			checkHello(t, second)
			if a, b := first.Header.Get("Date"), second.Header.Get("Date"); a == b {
				t.Errorf("Date did not change across requests 2 s apart: %q", a)
			}

			for _, c := range []struct {
				name   string
				opt    client.Option
				status int
			}{
				// A path the server does not have.
				{"404", client.WithPath("/nope"), 404},
				// A request line that is not HTTP.
				{"400", client.WithRequest([]byte("HELLO THERE\r\n\r\n")), 400},
			} {
				rep := lab.fetch(ctx, t, c.opt)
				if rep.Status != c.status {
					t.Errorf("%s: got status %d, want %d", c.name, rep.Status, c.status)
				}
				checkLength(t, rep)
			}
		})
	}
}

// runnerArgsWithoutDelay drops --delay from a preset's arguments.
func runnerArgsWithoutDelay(p catalogue.Preset) []runner.Option {
	var args []string
	for i := 0; i < len(p.Args); i++ {
		if p.Args[i] == "--delay" {
			i++
			continue
		}
		args = append(args, p.Args[i])
	}
	return []runner.Option{runner.WithArgs(args...)}
}

// specimen is a preset under test. Some presets' lessons end in the
// server's death (3e dies of EINTR once its first child exits); such a
// specimen is started again before the next check, since what is checked
// here is the reply, not the lesson.
type specimen struct {
	preset catalogue.Preset
	opts   []runner.Option
	lab    *runner.Lab
}

// fetch makes one connection through the agent and parses the reply. A
// reply without EOF counts (3d's lesson: the parent keeps the socket open).
func (s *specimen) fetch(ctx context.Context, t *testing.T, opts ...client.Option) client.Reply {
	t.Helper()
	o := client.NewOptions(append([]client.Option{client.WithTimeout(2 * time.Second)}, opts...)...)
	for attempt := 0; ; attempt++ {
		results, err := s.lab.Client(ctx, o)
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		if len(results) != 1 {
			t.Fatalf("got %d results, want 1", len(results))
		}
		r := results[0]
		if r.Outcome == client.Replied || r.Outcome == client.NoEOF {
			rep, err := client.ParseReply([]byte(r.Reply))
			if err != nil {
				t.Fatalf("%v in %q", err, r.Reply)
			}
			return rep
		}
		if st, err := s.lab.State(ctx); err != nil || st.Running || attempt > 0 {
			t.Fatalf("got outcome %s (%s), want %s (state %+v, %v)", r.Outcome, r.Error, client.Replied, st, err)
		}
		t.Logf("%s had exited (%s); starting it again", s.preset.Name, r.Outcome)
		s.lab = start(t, s.preset, s.opts...)
	}
}

func checkHello(t *testing.T, rep client.Reply) {
	t.Helper()
	if rep.Status != 200 || rep.Proto != "HTTP/1.1" || !rep.CRLF {
		t.Errorf("got %s %d (CRLF %v), want HTTP/1.1 200 with CRLF line ends", rep.Proto, rep.Status, rep.CRLF)
	}
	if got, want := string(rep.Body), "Hello, World!\n"; got != want {
		t.Errorf("got body %q, want %q", got, want)
	}
	for _, h := range []string{"Content-Type", "Date", "Server"} {
		if rep.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if got := rep.Header.Get("Connection"); got != "close" {
		t.Errorf("got Connection %q, want close", got)
	}
	if _, err := time.Parse(time.RFC1123, rep.Header.Get("Date")); err != nil || !strings.HasSuffix(rep.Header.Get("Date"), " GMT") {
		t.Errorf("Date %q is not an IMF-fixdate", rep.Header.Get("Date"))
	}
	checkLength(t, rep)
}

func checkLength(t *testing.T, rep client.Reply) {
	t.Helper()
	n, err := strconv.Atoi(rep.Header.Get("Content-Length"))
	if err != nil || n != len(rep.Body) {
		t.Errorf("Content-Length %q, body %d bytes", rep.Header.Get("Content-Length"), len(rep.Body))
	}
}
