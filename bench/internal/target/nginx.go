package target

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// nginxConf is nginx with one worker, no access log, and the same 14-byte
// body as the lab's specimens (catalogue.HelloBody), listening on
// 127.0.0.1 only. keepalive_requests is lifted so that keep-alive means
// keep-alive, not a reconnect every 1000 requests (nginx's default), which
// neither the specimens nor the load tools do.
const nginxConf = `daemon off;
master_process on;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen %[2]s;
        location = /hello {
            default_type text/plain;
            return 200 "Hello, World!\n";
        }
    }
}
`

// nginxConfig is nginxConf for the run's directory dir and address addr,
// with backlog as listen()'s backlog; 0 leaves nginx's own (511).
func nginxConfig(dir, addr string, backlog int) string {
	listen := addr
	if backlog > 0 {
		listen += fmt.Sprintf(" backlog=%d", backlog)
	}
	return fmt.Sprintf(nginxConf, dir, listen)
}

// Nginx starts nginx, named "nginx", with one worker on a free 127.0.0.1
// port, pinned to cpu; its configuration, pid and log files go in dir.
func Nginx(ctx context.Context, dir, cpu string, backlog int) (*Server, error) {
	addr, err := FreePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConfig(dir, addr, backlog)), 0o644); err != nil {
		return nil, err
	}
	// -e: nginx opens its error log before it reads the config; the
	// default one may not be writable.
	log := filepath.Join(dir, "nginx.log")
	return Start(ctx, "nginx", cpu, addr, log, nil, "nginx", "-c", conf, "-p", dir, "-e", log)
}
