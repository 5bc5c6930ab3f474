// Command lab is serverlab's command line: it parses flags and dispatches to
// the harness packages, and is the one place that prints and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/serverlab/serverlab/harness/protocol"
)

// command is one `lab` subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

// commands are lab's subcommands; those the agent runs are named by the
// protocol, the harness's side of them.
var commands = map[string]command{
	"list":                  {"specimens and presets with their limits", runList},
	"build":                 {"build the specimens' and the agent's images", runBuild},
	protocol.CommandClient:  {"the seed's client3, done right: concurrent clients and per-connection outcomes", runClient},
	protocol.CommandLoad:    {"a load generator on a par with wrk (closed model) and wrk2 (open model, --rate)", runLoad},
	protocol.CommandHostile: {"send the hostile-input corpus to a specimen and judge each answer by RFC 9110/9112", runHostile},
	protocol.CommandProbe:   {"read /proc: processes, states (zombies) and descriptors", runProbe},
	protocol.CommandSample:  {"sample a specimen's processes and cgroup over time (inside its agent)", runSample},
	"ps":                    {"a playground service's processes as ps shows them, zombies marked Z", runPs},
	"telnet":                {"type a request to a server line by line, as the article does with telnet", runTelnet},
	protocol.CommandAgent:   {"run as a specimen's agent (inside its container)", runAgent},
	protocol.CommandSettle:  {"empty an agent's namespace for its next specimen (inside its container)", runSettle},
	protocol.CommandHog:     {"keep CPUs busy: the busy neighbour of lab run --neighbour (inside its container)", runHog},
	"cleanup":               {"remove every container the lab labelled", runCleanup},
	"compose":               {"print compose.yaml, generated from the catalogue", runCompose},
	"run":                   {"run the experiments (all twenty-one, or those named) and judge each prediction", runRun},
	"report":                {"redraw REPORT.md from the JSON records", runReport},
	"tour":                  {"the article step by step: what it says, what to type, what the lab saw (--run: now), a verdict each", runTour},
}

// errUsage means the command line was wrong; the usage has been printed.
var errUsage = errors.New("usage")

// errHelp means help was asked for and printed: not a failure.
var errHelp = errors.New("help")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the first signal cleans up; a second one kills at once
	}()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case err == nil, errors.Is(err, errHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		usage(os.Stderr)
		return errUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return errHelp
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "lab: no command %q\n", args[0])
		usage(os.Stderr)
		return errUsage
	}
	return cmd.run(ctx, args[1:], stdout)
}

func usage(w io.Writer) {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: lab <command> [flags]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, commands[n].summary)
	}
	b.WriteString("\n`lab <command> -h` lists a command's flags.\n")
	io.WriteString(w, b.String())
}

// flags returns a FlagSet for a subcommand that reports errors, not exits.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("lab "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

// parse reads flags wherever they stand among the arguments (the flag
// package stops at the first non-flag: `lab run zombies --trials 3`) and
// returns the other arguments. A bad flag has been reported by fs already,
// so it comes back as errUsage.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, errHelp // the flag package has printed the flags
		} else if err != nil {
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseFlags is parse for a command that takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	rest, err := parse(fs, args)
	if err == nil && len(rest) > 0 {
		fmt.Fprintf(os.Stderr, "lab: unexpected arguments: %s\n", strings.Join(rest, " "))
		return errUsage
	}
	return err
}
