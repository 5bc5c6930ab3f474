package runner

import (
	"reflect"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func TestNewOptions(t *testing.T) {
	small := catalogue.DefaultLimits()
	small.NoFile = 64
	tests := []struct {
		name string
		opts []Option
		want Options
	}{
		// no option: an ad hoc run with the default start timeout
		{"defaults", nil, Options{RunID: "adhoc", StartTimeout: DefaultStartTimeout}},
		// every option once
		{"all", []Option{WithRunID("r1"), WithLimits(small), WithArgs("--backlog", "0"), WithStartTimeout(time.Second)},
			Options{RunID: "r1", Limits: &small, Args: []string{"--backlog", "0"}, StartTimeout: time.Second}},
		// WithArgs() with nothing still replaces the preset's arguments
		{"empty args", []Option{WithArgs()}, Options{RunID: "adhoc", Args: []string{}, StartTimeout: DefaultStartTimeout}},
		// the last of two options wins
		{"last wins", []Option{WithRunID("a"), WithRunID("b")}, Options{RunID: "b", StartTimeout: DefaultStartTimeout}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newOptions(tt.opts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestWithArgsCopies: the caller's slice stays the caller's.
func TestWithArgsCopies(t *testing.T) {
	args := []string{"--backlog", "5"}
	o := newOptions([]Option{WithArgs(args...)})
	args[1] = "9"
	if got := o.Args[1]; got != "5" {
		t.Errorf("got %q after the caller changed its slice, want %q", got, "5")
	}
}
