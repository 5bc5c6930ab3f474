package catalogue

import (
	"fmt"
	"time"
)

// Preset is one program of the seed articles reproduced by a specimen: the
// specimen, its arguments and the limits the article ran it under.
type Preset struct {
	Name     string   `json:"name"`     // the seed program's name, e.g. webserver3d
	Specimen string   `json:"specimen"` // the specimen that runs it
	Args     []string `json:"args"`     // the specimen's flags (never --port or --wire)
	// Wire is what the specimen speaks: WireSeed, the article's bare reply
	// to whatever arrives, or WireHTTP, conformant HTTP/1.1.
	Wire   string `json:"wire"`
	Limits Limits `json:"limits"`
	// PlayPort is the 127.0.0.1 port the compose playground publishes it on.
	PlayPort int    `json:"play_port"`
	Lesson   string `json:"lesson"` // what the seed shows with it
	// Article records what the seed itself used where the preset differs
	// (delays shortened so that a run takes seconds, not minutes), and any
	// step where the seed changed two things at once.
	Article Article `json:"article"`
}

// Article is what the seed's own program did.
type Article struct {
	Source  string        `json:"source"`            // the seed's file name
	Backlog int           `json:"backlog"`           // listen() queue size in the seed
	Delay   time.Duration `json:"delay_ns"`          // per-request sleep in the seed
	Ulimits string        `json:"ulimits,omitempty"` // the shell limits the article sets
	Note    string        `json:"note,omitempty"`
}

// limitsFor returns the default limits changed by f, for a preset that runs
// as uid. Each preset has a UID of its own because RLIMIT_NPROC counts every
// process of a UID across the host: two presets sharing one would count each
// other's children (and zombies) against their limit.
func limitsFor(uid int, f func(*Limits)) Limits {
	l := DefaultLimits()
	l.UID = uid
	if f != nil {
		f(&l)
	}
	return l
}

var presets = []Preset{
	{
		Name: "webserver1", Specimen: "iterative", PlayPort: 8801, Wire: WireSeed,
		Args:    []string{"--backlog", "1"},
		Limits:  limitsFor(10001, nil),
		Lesson:  "part 1: a hello server, one request at a time",
		Article: Article{Source: "webserver1.py", Backlog: 1},
	},
	{
		Name: "webserver3a", Specimen: "iterative", PlayPort: 8802, Wire: WireSeed,
		Args:    []string{"--backlog", "5"},
		Limits:  limitsFor(10002, nil),
		Lesson:  "an iterative server: the listen backlog holds waiting connections",
		Article: Article{Source: "webserver3a.py", Backlog: 5},
	},
	{
		Name: "webserver3b", Specimen: "iterative", PlayPort: 8803, Wire: WireSeed,
		Args:    []string{"--backlog", "5", "--delay", "2s"},
		Limits:  limitsFor(10003, nil),
		Lesson:  "one slow request blocks every client behind it",
		Article: Article{Source: "webserver3b.py", Backlog: 5, Delay: 60 * time.Second},
	},
	{
		Name: "webserver3c", Specimen: "forking", PlayPort: 8804, Wire: WireSeed,
		Args:    []string{"--backlog", "5", "--delay", "2s"},
		Limits:  limitsFor(10004, nil),
		Lesson:  "fork() per connection: slow requests no longer queue, but children are never reaped",
		Article: Article{Source: "webserver3c.py", Backlog: 5, Delay: 60 * time.Second},
	},
	{
		Name: "webserver3d", Specimen: "forking", PlayPort: 8805, Wire: WireSeed,
		Args: []string{"--backlog", "5", "--keep-client-fd"},
		Limits: limitsFor(10005, func(l *Limits) {
			l.NoFile, l.NProc, l.Pids = 256, 400, 400
		}),
		Lesson: "the parent keeps its copy of each client socket: clients get no EOF and the server runs out of descriptors (EMFILE)",
		Article: Article{Source: "webserver3d.py", Backlog: 5, Ulimits: "ulimit -n 256; ulimit -u 400",
			Note: "the article's second run of 3d, at ulimit -u 400 and ulimit -n 500, is webserver3d-u400"},
	},
	{
		// The article's ulimit -u 400; ulimit -n 500 and 500 clients: each
		// client leaves a zombie and a socket the parent keeps, and the 400
		// processes run out before the 500 descriptors do.
		Name: "webserver3d-u400", Specimen: "forking", PlayPort: 8809, Wire: WireSeed,
		Args: []string{"--backlog", "5", "--keep-client-fd"},
		Limits: limitsFor(10009, func(l *Limits) {
			l.NoFile, l.NProc, l.Pids = 500, 400, 400
		}),
		Lesson:  "3d at the article's second limits: its zombies use up 400 processes before its kept sockets use up 500 descriptors, and fork() fails with EAGAIN",
		Article: Article{Source: "webserver3d.py", Backlog: 5, Ulimits: "ulimit -u 400; ulimit -n 500"},
	},
	{
		Name: "webserver3e", Specimen: "forking", PlayPort: 8806, Wire: WireSeed,
		Args:    []string{"--backlog", "5", "--delay", "1s", "--reap", "wait-once"},
		Limits:  limitsFor(10006, nil),
		Lesson:  "a SIGCHLD handler reaps children, and its signal interrupts accept(): the server dies with EINTR",
		Article: Article{Source: "webserver3e.py", Backlog: 5, Delay: 3 * time.Second},
	},
	{
		Name: "webserver3f", Specimen: "forking", PlayPort: 8807, Wire: WireSeed,
		Args:   []string{"--backlog", "1024", "--reap", "wait-once", "--restart-accept"},
		Limits: limitsFor(10007, nil),
		Lesson: "accept() restarted on EINTR, but signals do not queue: one wait() per SIGCHLD leaves zombies",
		Article: Article{Source: "webserver3f.py", Backlog: 1024,
			Note: "the seed raised the backlog from 5 to 1024 in the same step as restarting accept(); the preset keeps both"},
	},
	{
		Name: "webserver3g", Specimen: "forking", PlayPort: 8808, Wire: WireSeed,
		Args:    []string{"--backlog", "1024", "--reap", "waitpid-loop", "--restart-accept"},
		Limits:  limitsFor(10008, nil),
		Lesson:  "a waitpid(-1, WNOHANG) loop in the handler reaps every child",
		Article: Article{Source: "webserver3g.py", Backlog: 1024},
	},
}

// models are the presets of the concurrency models the article does not
// build: what its reader reaches for next. They speak HTTP/1.1.
var models = []Preset{
	{
		Name: "select", Specimen: "select", PlayPort: 8811, Wire: WireHTTP,
		Args:   []string{"--backlog", "128"},
		Limits: limitsFor(10011, nil),
		Lesson: "an event loop on select(): one process serves every connection, up to descriptor 1023",
	},
	{
		Name: "epoll", Specimen: "epoll", PlayPort: 8812, Wire: WireHTTP,
		Args:   []string{"--backlog", "1024"},
		Limits: limitsFor(10012, nil),
		Lesson: "an event loop on epoll: one process, keep-alive and pipelining, no descriptor ceiling but nofile",
	},
	{
		Name: "uring", Specimen: "uring", PlayPort: 8816, Wire: WireHTTP,
		Args:   []string{"--backlog", "1024"},
		Limits: limitsFor(10016, nil),
		Lesson: "an event loop on io_uring: the kernel does the accepts, recvs and sends, and the loop reaps completions, many per system call",
	},
	{
		Name: "prefork", Specimen: "prefork", PlayPort: 8813, Wire: WireHTTP,
		Args:   []string{"--backlog", "128", "--workers", "4", "--accept", "blocking"},
		Limits: limitsFor(10013, nil),
		Lesson: "four workers forked at start, each accepting in turn",
	},
	{
		Name: "threads", Specimen: "threads", PlayPort: 8814, Wire: WireHTTP,
		Args:   []string{"--backlog", "128"},
		Limits: limitsFor(10014, nil),
		Lesson: "a thread per connection, each one a task the pids limit counts",
	},
	{
		Name: "goroutines", Specimen: "goroutines", PlayPort: 8815, Wire: WireHTTP,
		Args:   []string{"--backlog", "128"},
		Limits: limitsFor(10015, nil),
		Lesson: "a goroutine per connection: blocking code over Go's netpoller",
	},
}

// WSGIApps are the applications of part 2, by the name their presets take,
// with the module:callable the WSGI server loads and the body each answers
// /hello with: the article's code's (part 2 shows the bare application,
// Flask's and Pyramid's), and Django's from the series' repository
// (helloworld/views.py), which the article does not show.
var WSGIApps = []WSGIApp{
	{Name: "wsgiapp", App: "apps.wsgiapp:app", Body: "Hello world from a simple WSGI application!\n"},
	{Name: "flask", App: "apps.flaskapp:app", Body: "Hello world from Flask!\n", SetsLength: true},
	{Name: "pyramid", App: "apps.pyramidapp:app", Body: "Hello world from Pyramid!\n", SetsLength: true},
	{Name: "django", App: "apps.djangoapp:app", Body: "Hello world from Django!\n", SetsLength: true},
}

// WSGIApp is one application of part 2.
type WSGIApp struct {
	Name string // in preset names: webserver2-flask
	App  string // module:callable
	Body string // what GET /hello answers
	// SetsLength says the application gives a Content-Length: the
	// frameworks do; the bare application's code, as the article's, does
	// not, and on the seed wire the server adds none (webserver2 adds only
	// Date and Server).
	SetsLength bool
}

// WSGIAppOf returns the application whose /hello answers body.
func WSGIAppOf(body string) (WSGIApp, bool) {
	for _, a := range WSGIApps {
		if a.Body == body {
			return a, true
		}
	}
	return WSGIApp{}, false
}

// wsgi are part 2's programs (webserver2, iterative) and part 3's last
// (webserver3h, forking) with each application, the article's 3e in
// Python, and gunicorn beside them.
func wsgi() []Preset {
	var out []Preset
	for i, a := range WSGIApps {
		out = append(out, Preset{
			Name: "webserver2-" + a.Name, Specimen: "wsgi", PlayPort: 8821 + i, Wire: WireSeed,
			Args:    []string{"--mode", "iterative", "--backlog", "1", "--app", a.App},
			Limits:  limitsFor(10021+i, nil),
			Lesson:  "part 2: a WSGI server runs the " + a.Name + " application unchanged, one request at a time",
			Article: Article{Source: "webserver2.py", Backlog: 1},
		}, Preset{
			Name: "webserver3h-" + a.Name, Specimen: "wsgi", PlayPort: 8831 + i, Wire: WireSeed,
			Args:    []string{"--mode", "forking", "--backlog", "1024", "--app", a.App},
			Limits:  limitsFor(10031+i, nil),
			Lesson:  "part 3's concurrent WSGI server: a child per connection, reaped with waitpid, running " + a.Name,
			Article: Article{Source: "webserver3h.py", Backlog: 1024},
		})
	}
	return append(out, Preset{
		Name: "webserver3e-python", Specimen: "wsgi", PlayPort: 8841, Wire: WireSeed,
		Args:    []string{"--mode", "forking-wait-once", "--backlog", "5", "--delay", "1s", "--app", WSGIApps[0].App},
		Limits:  limitsFor(10041, nil),
		Lesson:  "the article's 3e in Python 3: the SIGCHLD handler interrupts accept(), and the interpreter retries it (PEP 475)",
		Article: Article{Source: "webserver3e.py", Backlog: 5, Delay: 3 * time.Second},
	}, Preset{
		Name: "gunicorn-flask", Specimen: "gunicorn", PlayPort: 8842, Wire: WireHTTP,
		Args:   []string{"--workers", "4", "--backlog", "1024", "--app", WSGIApps[1].App},
		Limits: limitsFor(10042, nil),
		Lesson: "gunicorn's four sync workers running the same Flask application",
	})
}

// Presets returns every preset: the seed's, in its order, then the other
// models', then part 2's.
func Presets() []Preset {
	all := append(append(append([]Preset(nil), presets...), models...), wsgi()...)
	out := make([]Preset, len(all))
	for i, p := range all {
		p.Args = append([]string(nil), p.Args...)
		out[i] = p
	}
	return out
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, fmt.Errorf("no preset %q (see lab list)", name)
}

// Command is the specimen's full command line in its container.
func (p Preset) Command() []string { return CommandLine(p.Args, p.Wire) }

// CommandLine is a specimen's command line: its flags, then the wire and
// the port every specimen listens on.
func CommandLine(args []string, wire string) []string {
	out := append([]string(nil), args...)
	if wire != "" {
		out = append(out, "--wire", wire)
	}
	return append(out, "--port", fmt.Sprint(Port))
}
