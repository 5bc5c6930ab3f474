package experiment

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/load"
)

// wsgiReply is a reply as the article's WSGI server sends it on its wire:
// the application's headers, then its Date and Server, then the body.
func wsgiReply(status int, contentType, body string) client.Result {
	reason := map[int]string{200: "OK", 404: "Not Found"}[status]
	raw := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nDate: Tue, 31 Mar 2015 12:54:48 GMT\r\nServer: WSGIServer 0.2\r\n\r\n%s",
		status, reason, contentType, len(body), body)
	return client.Result{Outcome: client.Replied, EOF: true, Connect: time.Millisecond, Done: 5 * time.Millisecond, Status: status, Reply: raw}
}

// environJSON is the environ a server builds for GET /environ, as the
// lab's applications return it; multiprocess is wsgi.multiprocess.
func environJSON(multiprocess bool) string {
	env := map[string]string{"HTTP_HOST": "127.0.0.1:8888"}
	for _, k := range PEP3333Keys {
		env[k] = "x"
	}
	env["wsgi.multiprocess"] = map[bool]string{true: "True", false: "False"}[multiprocess]
	b, _ := json.Marshal(env)
	return string(b) + "\n"
}

func init() {
	predicted["wsgi-apps"] = func(e Experiment) []Trial {
		var ts []Trial
		for _, a := range e.Arms {
			var body string
			for _, app := range catalogue.WSGIApps {
				if strings.HasSuffix(a.Name, "-"+app.Name) {
					body = app.Body
				}
			}
			forking := strings.HasPrefix(a.Name, "webserver3h")
			ts = append(ts, observe(e, a.Name, 1).
				clients(StepHello1, wsgiReply(200, "text/plain", body)).
				clients(StepEnviron, wsgiReply(200, "application/json", environJSON(forking))).
				clients(StepNotFound, wsgiReply(404, "text/html", "<h1>Not Found</h1>")).Trial)
		}
		return ts
	}
	predicted["wsgi-concurrency"] = func(e Experiment) []Trial {
		return []Trial{
			observe(e, "webserver2", 1).clients("5", conns(client.Replied, sec(1.01), sec(2.02), sec(3.02), sec(4.03), sec(5.03))...).Trial,
			observe(e, "webserver3h", 1).clients("5", conns(client.Replied, sec(1.02), sec(1.03), sec(1.02), sec(1.04), sec(1.05))...).Trial,
		}
	}
	predicted["eintr-python"] = func(e Experiment) []Trial {
		return []Trial{
			observe(e, "c", 1).clients("first client", conns(client.Replied, sec(1))...).
				clients("second client", conns(client.Refused, time.Millisecond)...).
				logs("accept fd=4", "fork child=47", "reap child=47 status=0", "accept: EINTR (Interrupted system call)").exited(1).Trial,
			observe(e, "python", 1).clients("first client", conns(client.Replied, sec(1))...).
				clients("second client", conns(client.Replied, sec(1))...).
				logs("accept fd=4", "fork child=47", "reap child=47 status=0", "accept fd=4", "fork child=48").Trial,
		}
	}
	predicted["gunicorn-comparison"] = func(e Experiment) []Trial {
		return []Trial{
			observe(e, "webserver3h", 1).loadRun("16 connections", 400, 0, 60, 0).editLoad("16 connections", counted(0, 0)).Trial,
			observe(e, "gunicorn", 1).loadRun("16 connections", 1200, 0, 20, 0).editLoad("16 connections", counted(5, 5)).Trial,
		}
	}
	modelCases = append(modelCases,
		judgeCase{"wsgi-apps", "", nil, Reproduced, nil},
		judgeCase{"wsgi-apps", "Django answers Flask's body", func(ts []Trial) {
			find(ts, "webserver2-django", 1).Steps[0].Clients[0] = wsgiReply(200, "text/plain", "Hello world from Flask!\n")
		}, NotReproduced, []string{"webserver2-django: wsgi_failures(Hello world from Django!\n) == 0 in every trial"}},
		judgeCase{"wsgi-apps", "the forking server says it is not multiprocess", func(ts []Trial) {
			find(ts, "webserver3h-pyramid", 1).Steps[1].Clients[0] = wsgiReply(200, "application/json", environJSON(false))
		}, NotReproduced, []string{"webserver3h-pyramid: wsgi_failures(Hello world from Pyramid!\n) == 0 in every trial"}},
		judgeCase{"wsgi-apps", "Flask's reply says a Content-Length one byte short", func(ts []Trial) {
			r := wsgiReply(200, "text/plain", "Hello world from Flask!\n")
			r.Reply = strings.Replace(r.Reply, "Content-Length: 24", "Content-Length: 23", 1)
			find(ts, "webserver3h-flask", 1).Steps[0].Clients[0] = r
		}, NotReproduced, []string{"webserver3h-flask: wsgi_failures(Hello world from Flask!\n) == 0 in every trial"}},
		judgeCase{"wsgi-concurrency", "", nil, Reproduced, nil},
		judgeCase{"wsgi-concurrency", "the iterative server runs the views at once", func(ts []Trial) {
			find(ts, "webserver2", 1).Steps[0].Clients = conns(client.Replied, times(5, sec(1))...)
		}, NotReproduced, []string{"webserver2: staircase(1s) <= 0.25 in every trial"}},
		judgeCase{"eintr-python", "", nil, Reproduced, nil},
		judgeCase{"eintr-python", "the Python server dies of EINTR too", func(ts []Trial) {
			p := find(ts, "python", 1)
			p.Logs = append(p.Logs, "accept: EINTR (Interrupted system call)")
			p.Exit = Exit{ExitCode: 1}
			p.Steps[1].Clients = conns(client.Refused, time.Millisecond)
		}, NotReproduced, []string{
			"python: running == 1 in every trial",
			"python: log_contains(accept: EINTR) == 0 in every trial",
			"python: outcome(replied) == 2 in every trial",
		}},
		judgeCase{"gunicorn-comparison", "", nil, Reproduced, nil},
		judgeCase{"gunicorn-comparison", "gunicorn is slower", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "gunicorn", 1), "16 connections")
			r.Result.RPS = 100
		}, NotReproduced, []string{"gunicorn: rps(16 connections) / webserver3h's >= 1 in every trial"}},
		judgeCase{"gunicorn-comparison", "a connect times out, nothing sent is lost", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "gunicorn", 1), "16 connections")
			r.Result.Errors = map[load.Kind]int64{load.Connect: 1}
		}, Reproduced, nil},
		judgeCase{"gunicorn-comparison", "webserver3h resets a connection", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "webserver3h", 1), "16 connections")
			r.Result.Errors = map[load.Kind]int64{load.Reset: 1}
		}, NotReproduced, []string{"webserver3h: load_lost(16 connections) == 0 in every trial"}},
		judgeCase{"gunicorn-comparison", "gunicorn's listen queue drops handshakes", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "gunicorn", 1), "16 connections")
			r.After.Net.ListenDrops++
		}, NotReproduced, []string{"gunicorn: listen_drops(16 connections) == 0 in every trial"}},
	)
}
