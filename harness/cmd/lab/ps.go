package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/runner"
)

func runPs(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("ps")
	once := fs.Bool("once", false, "print one snapshot and exit")
	every := fs.Duration("every", time.Second, "refresh this often until Ctrl-C")
	kill := fs.Int("kill", 0, "kill -9 this PID (as the namespace numbers it) first: a zombie stays")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *every <= 0 {
		fmt.Fprintln(os.Stderr, "usage: lab ps SERVICE|CONTAINER [--once] [--every 1s] [--kill PID]")
		return errUsage
	}
	id, err := runner.Resolve(ctx, rest[0])
	if err != nil {
		return err
	}
	f, ok := stdout.(*os.File)
	tty := ok && isTerminal(f)
	interval := *every
	if *once {
		interval = 0
	}
	show := func(s agent.Snapshot) error {
		if tty && !*once {
			fmt.Fprint(stdout, "\033[H\033[2J") // home, clear: redraw in place
		}
		if !*once {
			fmt.Fprintf(stdout, "%s  %s  (Ctrl-C to stop)\n\n", rest[0], s.Taken.Format("15:04:05"))
		}
		if err := writeProcesses(stdout, s); err != nil {
			return err
		}
		if !tty && !*once {
			fmt.Fprintln(stdout)
		}
		return nil
	}
	if *kill != 0 {
		// The probe sent it before its first snapshot, or failed saying why.
		sent := false
		return runner.KillAndWatch(ctx, id, *kill, interval, func(s agent.Snapshot) error {
			if !sent {
				fmt.Fprintf(stdout, "kill -9 %d: sent\n\n", *kill)
				sent = true
			}
			return show(s)
		})
	}
	return runner.Watch(ctx, id, interval, show)
}

// writeProcesses prints a snapshot the way the article's ps screenshots
// show a server: PID, PPID, state (Z for a zombie), descriptors and command,
// a zombie's command in brackets and <defunct> as ps writes it. The lab's
// own probe, started into the namespace from outside, is left out.
func writeProcesses(w io.Writer, s agent.Snapshot) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PID\tPPID\tSTAT\tFDS\t\tCOMMAND")
	shown, zombies := 0, 0
	for _, p := range s.Processes {
		if p.Comm == catalogue.AgentTarget && p.PPID == 0 {
			continue
		}
		shown++
		fds := "-"
		if p.FDs >= 0 {
			fds = strconv.Itoa(p.FDs)
		}
		cmd := p.Cmdline
		if p.Zombie() || cmd == "" {
			cmd = "[" + p.Comm + "]"
		}
		if p.Zombie() {
			cmd += " <defunct>"
			zombies++
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t\t%s\n", p.PID, p.PPID, p.State, fds, cmd)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d processes, %d zombies\n", shown, zombies)
	return err
}
