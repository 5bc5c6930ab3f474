package target

import (
	"strconv"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func TestNginxConfig(t *testing.T) {
	tests := []struct {
		backlog int
		listen  string
	}{
		{1024, "listen 127.0.0.1:8080 backlog=1024;"}, // the specimen's backlog
		{0, "listen 127.0.0.1:8080;"},                 // nginx's own
	}
	for _, tt := range tests {
		conf := nginxConfig("/tmp/run", "127.0.0.1:8080", tt.backlog)
		for _, want := range []string{tt.listen, "worker_processes 1;", "error_log /tmp/run/nginx.log;",
			"return 200 " + strconv.Quote(catalogue.HelloBody) + ";"} {
			if !strings.Contains(conf, want) {
				t.Errorf("backlog %d: no %q in\n%s", tt.backlog, want, conf)
			}
		}
		if strings.Contains(conf, "%!") {
			t.Errorf("backlog %d: a verb without its argument in\n%s", tt.backlog, conf)
		}
	}
}
