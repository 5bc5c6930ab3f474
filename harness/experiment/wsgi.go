package experiment

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

// WSGI returns the experiments of part 2, and part 3's end in Python: the
// article's WSGI server running four applications unchanged, made
// concurrent, beside the C 3e and beside gunicorn.
func WSGI() []Experiment {
	return []Experiment{wsgiApps(), wsgiConcurrency(), eintrPython(), gunicornComparison()}
}

// Labels of the wsgi-apps steps, which WSGIConformance reads.
const (
	StepEnviron = "environ"
)

// PEP3333Keys are the environ keys every WSGI server must give an
// application (PEP 3333, "environ Variables"); CONTENT_TYPE and
// CONTENT_LENGTH may be absent from a request without a body.
var PEP3333Keys = []string{
	"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
	"wsgi.version", "wsgi.url_scheme", "wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
}

func wsgiApps() Experiment {
	// The steps the figure reads, as the arms below take them.
	hello, environ := Step{Kind: StepClient, Label: StepHello1}, Step{Kind: StepClient, Label: StepEnviron}
	e := Experiment{
		Name:  "wsgi-apps",
		Title: "Part 2: one WSGI server runs a bare application, Flask, Pyramid and Django unchanged",
		Seed: &Quote{Part: 2, Source: "running webserver2.py", Claim: "part2-frameworks",
			Words: "(lsbaws) $ python webserver2.py pyramidapp:app […] (lsbaws) $ python webserver2.py flaskapp:app […] (lsbaws) $ python webserver2.py djangoapp:app"},
		Predicts: "the lab's WSGI server, iterative (webserver2) and forking (webserver3h), answers GET /hello with each application's body " +
			"(Hello world from a simple WSGI application!, from Flask!, from Pyramid!, from Django!), status 200, a Content-Type, a Date and a Server header, and the frameworks' Content-Length of the body's length (the bare application, as the article's, sends none); " +
			"and each application finds every environ key PEP 3333 requires, wsgi.multiprocess True only when forking",
		Mechanism: "WSGI is one calling convention: the server builds a dict of CGI variables and wsgi.* entries, calls the application with it and a start_response callable, " +
			"and writes what the application returns. A framework is only an application on the other side of that call, so any conforming server runs any framework.",
		Trials: 1,
		// What each application answers is the lesson, not when: four at once.
		Parallel: 4,
		Views: []View{TrialTable{By: "server and application", Columns: []Column{
			StepCol("/hello", []Step{hello}, func(t Trial) Cell { return Text(fmt.Sprint(stepReply(t, StepHello1).Status)) }),
			StepCol("body", []Step{hello}, func(t Trial) Cell { return Code(strings.TrimSpace(string(stepReply(t, StepHello1).Body))) }),
			StepCol("Content-Type", []Step{hello}, func(t Trial) Cell { return Text(stepReply(t, StepHello1).Header.Get("Content-Type")) }),
			StepCol("Content-Length", []Step{hello}, func(t Trial) Cell { return Text(stepReply(t, StepHello1).Header.Get("Content-Length")) }),
			StepCol("Server", []Step{hello}, func(t Trial) Cell { return Text(stepReply(t, StepHello1).Header.Get("Server")) }),
			StepCol("environ keys", []Step{environ}, func(t Trial) Cell { return Text(fmt.Sprint(len(environOf(t)))) }),
			StepCol("wsgi.multiprocess", []Step{environ}, func(t Trial) Cell { return Text(environOf(t)["wsgi.multiprocess"]) }),
		}}},
	}
	step := func(label, path string) Step {
		return Step{Kind: StepClient, Label: label, Client: &ClientStep{Clients: 1, Conns: 1, Timeout: 5 * time.Second, Path: path}}
	}
	for _, a := range catalogue.WSGIApps {
		for _, server := range []string{"webserver2-", "webserver3h-"} {
			name := server + a.Name
			e.Arms = append(e.Arms, Arm{Name: name, Preset: name,
				Steps: []Step{step(StepHello1, "/hello"), step(StepEnviron, "/environ"), step(StepNotFound, "/nope")}})
			e.Checks = append(e.Checks, check(name, WSGIFailures(a.Body), EQ, 0, "status, body, Content-Type, Content-Length, Date and Server; every PEP 3333 key in the environ"))
		}
	}
	return e
}

// WSGIConformance checks a wsgi-apps trial: GET /hello got 200 and body
// with Content-Type, Date, Server, and a Content-Length of the body's length
// wherever the application sends one (the frameworks); the environ the application saw
// holds every PEP 3333 key, with wsgi.multiprocess true when forking; an
// unknown path got 404. One line per failure.
func WSGIConformance(t Trial, body string) []string {
	var fails []string
	fail := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }
	if rep, err := reply(t, StepHello1); err != nil {
		fail("%s: %v", StepHello1, err)
	} else {
		if rep.Status != 200 {
			fail("%s: status %d, want 200", StepHello1, rep.Status)
		}
		if string(rep.Body) != body {
			fail("%s: body %q, want %q", StepHello1, rep.Body, body)
		}
		for _, h := range []string{"Content-Type", "Date", "Server"} {
			if rep.Header.Get(h) == "" {
				fail("%s: no %s header", StepHello1, h)
			}
		}
		// Content-Length: the body's length wherever one is sent; the
		// frameworks send one, and on the seed wire the bare application's
		// reply has none (its code gives none, and webserver2 adds none).
		cl, want := rep.Header.Get("Content-Length"), strconv.Itoa(len(rep.Body))
		app, _ := catalogue.WSGIAppOf(body)
		switch {
		case cl != "" && cl != want:
			fail("%s: Content-Length %s, want %s (the body's length)", StepHello1, cl, want)
		case cl == "" && (app.SetsLength || t.Wire != catalogue.WireSeed):
			fail("%s: no Content-Length header", StepHello1)
		}
	}
	if rep, err := reply(t, StepEnviron); err != nil {
		fail("%s: %v", StepEnviron, err)
	} else {
		var env map[string]string
		if err := json.Unmarshal(rep.Body, &env); err != nil {
			fail("%s: not the environ's JSON: %v", StepEnviron, err)
		}
		for _, k := range PEP3333Keys {
			if _, ok := env[k]; !ok {
				fail("%s: no %s", StepEnviron, k)
			}
		}
		forking := strings.Contains(strings.Join(t.Args, " "), "--mode forking")
		if want := map[bool]string{true: "True", false: "False"}[forking]; env["wsgi.multiprocess"] != want {
			fail("%s: wsgi.multiprocess %q, want %q", StepEnviron, env["wsgi.multiprocess"], want)
		}
	}
	if rep, err := reply(t, StepNotFound); err != nil {
		fail("%s: %v", StepNotFound, err)
	} else if rep.Status != 404 {
		fail("%s: status %d, want 404", StepNotFound, rep.Status)
	}
	return fails
}

func wsgiConcurrency() Experiment {
	const d = time.Second
	step := Step{Kind: StepClient, Label: "5 clients at once", Client: &ClientStep{Clients: 5, Conns: 1, Timeout: 10 * time.Second,
		Path: fmt.Sprintf("/slow?seconds=%g", d.Seconds())}}
	// A backlog that holds the five: webserver2's is 1, and dropped SYNs
	// would blur the staircase with their retries.
	arm := func(name, preset string) Arm {
		return Arm{Name: name, Preset: preset, Args: override(preset, "--backlog", "5"), Steps: []Step{step}}
	}
	return Experiment{
		Name:  "wsgi-concurrency",
		Title: "A slow view blocks the iterative WSGI server; the forking one serves it in parallel",
		Seed: &Quote{Part: 3, Source: "its closing exercise", Claim: "part3-wsgi-exercise",
			Words: "I’ll leave it as an exercise for you to update the WSGI server from Part 2 and make it concurrent."},
		Predicts: "with a Flask view that sleeps D = 1 s, 5 clients at once end in a staircase k*D (each within D/4) against webserver2-flask, " +
			"and all between 0.9*D and 1.5*D against webserver3h-flask",
		Mechanism: "The view runs in the server's own process: an iterative server runs one at a time, so the k-th client waits for k-1 views to finish. " +
			"A forking server runs each view in its child, so their sleeps overlap.",
		Trials: 1,
		Arms:   []Arm{arm("webserver2", "webserver2-flask"), arm("webserver3h", "webserver3h-flask")},
		Checks: append(inTurn("webserver2", 5, d), atOnce("webserver3h", 5, d, "its view's sleep")...),
		Views:  []View{ConnectionPhases{}},
	}
}

func eintrPython() Experiment {
	d := time.Second
	steps := firstChildExits()
	return Experiment{
		Name:  "eintr-python",
		Title: "The same SIGCHLD, the same accept(): the C 3e dies of EINTR, the Python one lives (PEP 475)",
		Seed: &Quote{Part: 3, Source: "webserver3e.py and webserver3f.py", Claim: "part3-eintr",
			Words: "What just happened? The call to accept failed with the error EINTR."},
		Predicts: "the first child's exit interrupts the parent's accept() in both: the C webserver3e dies with accept: EINTR after one client; " +
			"the Python webserver3e reaps the child in its handler and serves the second client too, logging no EINTR, because Python 3.5 and later retry the call (PEP 475)",
		Mechanism: "A signal that lands while a process blocks in accept() without SA_RESTART makes the call fail with EINTR. " +
			"The article's Python 2 passed that failure to the program, which died of it; since PEP 475, CPython runs the Python handler and calls accept() again, " +
			"so a reader on Python 3 never sees the crash the article shows.",
		Trials: 1,
		Arms: []Arm{
			{Name: "c", Preset: "webserver3e", Args: args("webserver3e", d), Steps: steps},
			{Name: "python", Preset: "webserver3e-python", Steps: steps},
		},
		Checks: append(diesWith("c", "accept", catalogue.EINTR),
			check("c", Outcomes(client.Replied), EQ, 1, "only the first client is served"),
			check("python", Running(), EQ, 1, "the server lives on"),
			check("python", LogContains(catalogue.LogReap), EQ, 1, "its handler ran: the first child was reaped"),
			check("python", LogContains(catalogue.Failed("accept", catalogue.EINTR)), EQ, 0, "no EINTR reached the program"),
			check("python", Outcomes(client.Replied), EQ, 2, "both clients are served"),
		),
	}
}

func gunicornComparison() Experiment {
	sixteen := Step{Kind: StepLoad, Label: "16 connections", Load: &LoadStep{Connections: 16, Duration: 5 * time.Second}}
	return Experiment{
		Name:  "gunicorn-comparison",
		Title: "The article's forking WSGI server beside gunicorn, the same Flask application, the same limits",
		Predicts: "under 16 connections, one request each (the article's server answers one request per connection), gunicorn's four sync workers, " +
			"forked once at start, serve at least as many requests per second as webserver3h, which forks a child per connection; neither loses a request it was sent " +
			"nor drops a handshake from its listen queue",
		Mechanism: "A fork copies the parent's page tables and a Python process with Flask loaded has many; the child then exits and is reaped. " +
			"A prefork server pays that once per worker at start and then only accepts, so its cost per request is the application's.",
		Trials: 1,
		Arms: []Arm{
			{Name: "webserver3h", Preset: "webserver3h-flask", Wire: catalogue.WireHTTP, Pin: true, Steps: []Step{sixteen}},
			{Name: "gunicorn", Preset: "gunicorn-flask", Wire: catalogue.WireHTTP, Pin: true, Steps: []Step{sixteen}},
		},
		// First predicted with no error of any kind. Not reproduced on
		// 2026-11-26 in 1 run of 7: gunicorn, one connect timed out in
		// 9 602 connections, no request lost (see noLoss).
		Checks: append(append(noLoss("webserver3h", sixteen, ""), noLoss("gunicorn", sixteen, "")...),
			ratio("gunicorn", RPS(sixteen), "webserver3h", GE, 1, "workers forked once serve no fewer requests than a fork per connection")),
		Views: []View{Latency{}},
	}
}

// WSGIFailures counts WSGIConformance's failures; body is what /hello
// must answer.
func WSGIFailures(body string) Metric {
	return newMetric("wsgi_failures", body, func(t Trial) (float64, error) {
		if len(Results(t)) == 0 {
			return 0, errNoClients
		}
		return float64(len(WSGIConformance(t, body))), nil
	})
}

// stepReply is the parsed reply of a step's first connection, or a zero
// Reply.
func stepReply(t Trial, label string) client.Reply {
	rep, _ := reply(t, label)
	return rep
}

// environOf is the environ the application echoed, as strings.
func environOf(t Trial) map[string]string {
	var env map[string]string
	_ = json.Unmarshal(stepReply(t, StepEnviron).Body, &env)
	return env
}
