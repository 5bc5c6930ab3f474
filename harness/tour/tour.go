// Package tour walks the article's steps in its order: part 1's hello
// server, part 2's WSGI server, part 3's webserver3a to 3g. Each step says
// what the article says you will see (the quotes of the experiments that
// replay it, held to the article's claims), the commands a reader types in
// the playground, and which arms of which experiments replay it on the
// playground's own presets; it runs those arms (package suite) and judges
// what they saw, or reads a record of them made before. The command line
// only parses flags and prints what this package writes.
package tour

import (
	"fmt"
	"slices"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// Step is one step of the article, as the tour takes it.
type Step struct {
	ID    string // "part1", "part2", "3a" to "3g": what `lab tour ID` starts at
	Part  int
	Title string
	// Commands are what a reader types in the playground for this step,
	// each with what it shows (the README's playground, in this order).
	Commands []Command
	// Runs are the arms that replay the step: their records are the
	// step's "what the lab saw" and its verdict.
	Runs []Run
}

// Command is one line a reader types, and what it shows.
type Command struct {
	Line  string
	Shows string
}

// Run is the arms of one experiment that a step runs: those of Presets.
type Run struct {
	Experiment string
	Presets    []string
}

// Steps are the article's steps in its order.
func Steps() []Step {
	return []Step{
		{ID: "part1", Part: 1, Title: "A hello server: one request, one reply, then close",
			Commands: []Command{
				{"docker compose --profile play up -d webserver1", "the preset, on 127.0.0.1:8801"},
				{"lab telnet 127.0.0.1 8801", "type GET /hello HTTP/1.1 and Enter: HTTP/1.1 200 OK, a blank line, Hello, World!, then the close"},
				{"curl -v http://127.0.0.1:8801/hello", "the same reply; curl reads to the close"},
				{"docker compose logs webserver1", "request: GET /hello HTTP/1.1, the line it read"},
			},
			Runs: []Run{{"hello", []string{"webserver1"}}}},
		{ID: "part2", Part: 2, Title: "One WSGI server runs Flask, Pyramid and Django unchanged",
			Commands: []Command{
				{"docker compose --profile play up -d webserver2-wsgiapp webserver2-flask webserver2-pyramid webserver2-django", "the article's WSGI server with each application, on 8821 to 8824"},
				{"curl -v http://127.0.0.1:8822/hello", "200 OK, Flask's Content-Type and Content-Length, a Date, Server: WSGIServer 0.2, Hello world from Flask!"},
				{"docker run --rm serverlab/wsgi:dev", "no application: the usage line (module:callable) and exit status 1, as webserver2.py without an argument"},
			},
			Runs: []Run{{"wsgi-apps", []string{"webserver2-wsgiapp", "webserver2-flask", "webserver2-pyramid", "webserver2-django"}}}},
		{ID: "3a", Part: 3, Title: "An iterative server, and the listen backlog that holds clients while it is busy",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3a", "webserver3a, iterative, listen(5), on 8802"},
				{"curl http://127.0.0.1:8802/hello", "Hello, World!"},
			},
			Runs: []Run{{"backlog", []string{"webserver3a"}}}},
		{ID: "3b", Part: 3, Title: "A server that sleeps after each reply blocks the next client",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3b", "webserver3b, iterative, a 2 s sleep after each reply, on 8803"},
				{"curl http://127.0.0.1:8803/hello & sleep 0.5; time curl http://127.0.0.1:8803/hello; wait", "the second curl waits for the first: about 3.5 s"},
				{"docker compose logs webserver3b", "one accept and request, then, only after the sleep, the other"},
			},
			Runs: []Run{{"head-of-line", []string{"webserver3b"}}}},
		{ID: "3c", Part: 3, Title: "fork(): a child per client, so no client waits for another",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3c", "webserver3c, a child per client, on 8804"},
				{"curl http://127.0.0.1:8804/hello & sleep 0.5; time curl http://127.0.0.1:8804/hello; wait", "the second curl does not wait: about 2 s, its own child's sleep"},
			},
			Runs: []Run{{"head-of-line", []string{"webserver3c"}}}},
		{ID: "3d", Part: 3, Title: "A parent that keeps the client's socket, and never waits: hangs, EMFILE, zombies, EAGAIN",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3d webserver3d-u400 webserver3c", "3d at ulimit -n 256, 3d at the article's -u 400 -n 500, and 3c"},
				{"curl -m 5 http://127.0.0.1:8805/hello", "the reply, then no EOF: curl hangs until -m 5"},
				{"lab client --max-clients 300 --port 8805", "300 clients at ulimit -n 256"},
				{"docker compose logs webserver3d", "it ends with accept: EMFILE (Too many open files)"},
				{"curl http://127.0.0.1:8804/hello; lab ps --once webserver3c", "one curl, one zombie: a Z row, [forking] <defunct>"},
				{"lab ps --once --kill PID webserver3c", "kill -9 on the zombie's PID: the Z row is still there"},
				{"lab client --max-clients 500 --port 8809", "500 clients at ulimit -u 400 -n 500"},
				{"docker compose logs webserver3d-u400", "it ends with fork: EAGAIN (Resource temporarily unavailable)"},
			},
			Runs: []Run{
				{"client-hang", []string{"webserver3d"}},
				{"fd-exhaustion", []string{"webserver3d"}},
				{"zombies", []string{"webserver3c"}},
				{"process-limit", []string{"webserver3d-u400", "webserver3c"}},
			}},
		{ID: "3e", Part: 3, Title: "A SIGCHLD handler reaps, and interrupts accept(): EINTR",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3e", "webserver3e: wait() in a SIGCHLD handler, on 8806"},
				{"curl http://127.0.0.1:8806/hello; sleep 2; curl http://127.0.0.1:8806/hello", "the first child exits; the second curl is refused"},
				{"docker compose logs webserver3e", "it ends with accept: EINTR (Interrupted system call)"},
			},
			Runs: []Run{{"eintr", []string{"webserver3e"}}}},
		{ID: "3f", Part: 3, Title: "accept() restarted on EINTR; but signals do not queue, and 128 clients leave zombies",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3f", "webserver3f: the handler's one wait(), accept restarted, on 8807"},
				{"lab client --max-clients 128 --ramp 0 --port 8807; lab ps --once webserver3f", "128 clients at once: Z rows remain"},
			},
			Runs: []Run{{"eintr", []string{"webserver3f"}}, {"sigchld-coalescing", []string{"webserver3f"}}}},
		{ID: "3g", Part: 3, Title: "waitpid(-1, WNOHANG) in a loop reaps every child",
			Commands: []Command{
				{"docker compose --profile play up -d webserver3g", "webserver3g: the handler loops on waitpid, on 8808"},
				{"lab client --max-clients 128 --ramp 0 --port 8808; lab ps --once webserver3g", "128 clients at once: no Z row"},
			},
			Runs: []Run{{"sigchld-coalescing", []string{"webserver3g"}}, {"zombies", []string{"webserver3g"}}}},
	}
}

// From returns the steps from the one named id to the end (all of them for
// ""), or only that one.
func From(id string, only bool) ([]Step, error) {
	steps := Steps()
	if id == "" {
		return steps, nil
	}
	for i, s := range steps {
		if s.ID == id {
			if only {
				return steps[i : i+1], nil
			}
			return steps[i:], nil
		}
	}
	return nil, fmt.Errorf("no step %q: the steps are %s", id, strings.Join(IDs(), ", "))
}

// IDs are the steps' names, in order.
func IDs() []string {
	var ids []string
	for _, s := range Steps() {
		ids = append(ids, s.ID)
	}
	return ids
}

// Experiments returns each run's experiment with only its step's arms: what
// the step runs. A run that names no experiment, or presets it has no arm
// for, is an error before any container starts.
func (s Step) Experiments() ([]experiment.Experiment, error) {
	var out []experiment.Experiment
	for _, r := range s.Runs {
		e, err := experiment.Lookup(r.Experiment)
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", s.ID, err)
		}
		sel, err := selectEvery(e, r.Presets)
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", s.ID, err)
		}
		if err := sel.Validate(); err != nil {
			return nil, fmt.Errorf("step %s: %w", s.ID, err)
		}
		out = append(out, sel)
	}
	return out, nil
}

// selectEvery is experiment.Select, which keeps the arms of any of
// presets, holding e to an arm of each of them.
func selectEvery(e experiment.Experiment, presets []string) (experiment.Experiment, error) {
	sel, err := experiment.Select(e, presets)
	if err != nil {
		return sel, err
	}
	for _, p := range presets {
		if !slices.ContainsFunc(sel.Arms, func(a experiment.Arm) bool { return a.Preset == p }) {
			return sel, fmt.Errorf("experiment %s has no arm for %s", e.Name, p)
		}
	}
	return sel, nil
}
