package http1_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/serverlab/serverlab/servers/go/http1"
)

func ExampleServe() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	greet := func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello, %s!\n", r.URL.Query().Get("name"))
	}
	go http1.Serve(l, http.HandlerFunc(greet), http1.WithIdleTimeout(time.Second))

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /?name=lab HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.ContentLength, resp.Header.Get("Server"), resp.Close)
	fmt.Print(string(body))
	// Output:
	// 200 OK 12 serverlab-goroutines true
	// Hello, lab!
}
