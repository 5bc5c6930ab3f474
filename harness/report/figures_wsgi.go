package report

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// wsgiAppsFigure shows, per application and server, what /hello answered
// and the environ the application saw.
func wsgiAppsFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("| server and application | /hello | body | Content-Type | Server | environ keys | wsgi.multiprocess |\n|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		hello, environ := stepReply(t, experiment.StepHello1), stepReply(t, experiment.StepEnviron)
		var env map[string]string
		_ = json.Unmarshal(environ.Body, &env)
		fmt.Fprintf(b, "| %s | %d | `%s` | %s | %s | %d | %s |\n", t.Arm, hello.Status, cell(strings.TrimSpace(string(hello.Body))),
			cell(hello.Header.Get("Content-Type")), cell(hello.Header.Get("Server")), len(env), env["wsgi.multiprocess"])
	}
	b.WriteString("\n")
}

// stepReply is the parsed reply of a step's first connection, or a zero
// Reply.
func stepReply(t experiment.Trial, label string) client.Reply {
	for _, s := range t.Steps {
		if s.Label == label && len(s.Clients) > 0 {
			if rep, err := client.ParseReply([]byte(s.Clients[0].Reply)); err == nil {
				return rep
			}
		}
	}
	return client.Reply{}
}
