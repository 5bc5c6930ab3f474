package corpus

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string // a part of the error; "" for none
	}{
		// the defaults make a run
		{"defaults", nil, ""},
		{"localhost", []Option{WithTarget("localhost", 80)}, ""},
		{"ipv6 loopback", []Option{WithTarget("::1", 8888)}, ""},
		// hostile input never leaves the machine
		{"another machine", []Option{WithTarget("192.0.2.1", 80)}, "loopback"},
		{"a name", []Option{WithTarget("example.com", 80)}, "loopback"},
		{"port", []Option{WithTarget("127.0.0.1", 0)}, "port 0"},
		{"no idle", []Option{WithIdle(0)}, "idle"},
		{"idle a day", []Option{WithIdle(24 * time.Hour)}, "idle"},
		// the slowloris pace must beat the idle timeout
		{"trickle too slow", []Option{WithIdle(time.Second), WithTrickle(time.Second)}, "trickle"},
		{"no timeout", []Option{WithTimeout(0)}, "timeout"},
		{"negative margin", []Option{WithMargin(-time.Second)}, "margin"},
		{"no probe", []Option{WithProbe(0)}, "probe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewOptions(tt.opts...).Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// TestArgs renders options as the flags `lab hostile` reads.
func TestArgs(t *testing.T) {
	o := NewOptions(WithTarget("127.0.0.2", 9000), WithIdle(5*time.Second))
	got := o.Args("bare-lf", "slowloris")
	want := []string{"--json", "--host", "127.0.0.2", "--port", "9000", "--idle", "5s", "--margin", "3s",
		"--timeout", "4s", "--case", "bare-lf", "--case", "slowloris"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
