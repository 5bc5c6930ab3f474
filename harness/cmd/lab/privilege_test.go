package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/image"
	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/protocol"
	"github.com/serverlab/serverlab/harness/runner"
)

// agentCaps are the capabilities the agent needs, and all it has (README:
// "The agent runs as root with three capabilities").
var agentCaps = []string{"CAP_DAC_READ_SEARCH", "CAP_KILL", "CAP_SYS_PTRACE"}

// hardened lists where a specimen's container departs from the lab's least
// privilege: a non-root user, a read-only root, every capability dropped
// and none added, no-new-privileges, memory, CPU, pids, nofile and nproc
// pinned, and no port published but on 127.0.0.1.
func hardened(hc *container.HostConfig, user string) []string {
	var bad []string
	if user == "" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root") {
		bad = append(bad, "user "+user)
	}
	if !hc.ReadonlyRootfs {
		bad = append(bad, "writable root")
	}
	if !slices.ContainsFunc(hc.CapDrop, func(c string) bool { return strings.EqualFold(c, "ALL") }) || len(hc.CapAdd) > 0 {
		bad = append(bad, fmt.Sprintf("capabilities drop %v add %v", hc.CapDrop, hc.CapAdd))
	}
	if !slices.ContainsFunc(hc.SecurityOpt, func(o string) bool { return strings.HasPrefix(o, "no-new-privileges") }) {
		bad = append(bad, "no no-new-privileges")
	}
	if hc.Memory <= 0 || hc.NanoCPUs <= 0 && hc.CPUQuota <= 0 || hc.PidsLimit == nil || *hc.PidsLimit <= 0 {
		bad = append(bad, fmt.Sprintf("memory %d, cpus %d/%d, pids %v not all pinned", hc.Memory, hc.NanoCPUs, hc.CPUQuota, hc.PidsLimit))
	}
	limits := map[string]bool{}
	for _, u := range hc.Ulimits {
		limits[u.Name] = u.Soft > 0 && u.Soft == u.Hard
	}
	if !limits["nofile"] || !limits["nproc"] {
		bad = append(bad, fmt.Sprintf("ulimits %v", hc.Ulimits))
	}
	for port, bindings := range hc.PortBindings {
		for _, b := range bindings {
			if b.HostIP.String() != "127.0.0.1" {
				bad = append(bad, fmt.Sprintf("port %v published on %q", port, b.HostIP))
			}
		}
	}
	return bad
}

// TestLeastPrivilegeHarness starts one preset of every specimen as the
// harness does and checks each container's configuration, and the kernel's
// view of the processes: the specimen without any capability and unable to
// gain one, the agent with exactly the two it needs.
func TestLeastPrivilegeHarness(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	seen := map[string]bool{}
	for _, p := range catalogue.Presets() {
		if seen[p.Specimen] {
			continue
		}
		seen[p.Specimen] = true
		t.Run(p.Specimen, func(t *testing.T) {
			lab, err := runner.Run(ctx, p, runner.WithRunID(labtest.RunID))
			defer func() {
				if lab != nil {
					_ = lab.Terminate(context.Background())
				}
			}()
			if err != nil {
				t.Fatal(err)
			}
			spec, err := lab.Container.Inspect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if bad := hardened(spec.HostConfig, spec.Config.User); len(bad) > 0 {
				t.Errorf("specimen container: %s", strings.Join(bad, "; "))
			}
			ag, err := lab.Agent.Inspect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			hc := ag.HostConfig
			if string(hc.NetworkMode) != "none" || !hc.ReadonlyRootfs || hc.PidsLimit == nil || hc.Memory <= 0 ||
				!slices.Contains(hc.SecurityOpt, "no-new-privileges") || !slices.Equal(hc.CapDrop, []string{"ALL"}) {
				t.Errorf("agent container: network %s, read-only %v, pids %v, memory %d, security %v, drop %v",
					hc.NetworkMode, hc.ReadonlyRootfs, hc.PidsLimit, hc.Memory, hc.SecurityOpt, hc.CapDrop)
			}
			snap, err := protocol.Probe(ctx, lab, false)
			if err != nil {
				t.Fatal(err)
			}
			srv, ok := snap.Server(lab.Specimen.Comm)
			if !ok {
				t.Fatalf("no %s process", lab.Specimen.Comm)
			}
			if srv.UID == 0 || srv.CapEff != "0000000000000000" || !srv.NoNewPrivs {
				t.Errorf("the specimen's process: uid %d, effective capabilities %s, no_new_privs %v; want non-root, none, true",
					srv.UID, srv.CapEff, srv.NoNewPrivs)
			}
			if got := capNames(snap.Processes[0]); !slices.Equal(got, agentCaps) {
				t.Errorf("the agent's process has %v, want exactly %v", got, agentCaps)
			}
		})
	}
}

// capNames decodes a process's effective capabilities into their names.
func capNames(p agent.Process) []string {
	var mask uint64
	if _, err := fmt.Sscanf(p.CapEff, "%x", &mask); err != nil {
		return []string{"unreadable " + p.CapEff}
	}
	names := map[int]string{1: "CAP_DAC_OVERRIDE", 2: "CAP_DAC_READ_SEARCH", 5: "CAP_KILL", 19: "CAP_SYS_PTRACE", 21: "CAP_SYS_ADMIN"}
	var out []string
	for bit := 0; bit < 64; bit++ {
		if mask&(1<<bit) == 0 {
			continue
		}
		name, ok := names[bit]
		if !ok {
			name = fmt.Sprintf("capability %d", bit)
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestLeastPrivilegePlayground starts every playground service with
// docker-compose, as a user does, and checks each container as it runs.
func TestLeastPrivilegePlayground(t *testing.T) {
	labtest.Docker(t)
	compose, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skip("docker-compose not installed")
	}
	root, err := image.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	project := "serverlab-privilege-" + fmt.Sprint(os.Getpid())
	var services []string
	for _, p := range catalogue.Presets() {
		services = append(services, p.Name)
	}
	up := exec.Command(compose, append([]string{"-p", project, "--profile", "play", "up", "-d", "--no-build"}, services...)...)
	up.Dir = root
	defer func() {
		down := exec.Command(compose, "-p", project, "--profile", "play", "down", "--timeout", "2")
		down.Dir = root
		_ = down.Run()
	}()
	if out, err := up.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose up: %v\n%s", err, out)
	}
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{
		Filters: make(client.Filters).Add("label", "com.docker.compose.project="+project),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != len(services) {
		t.Errorf("%d containers run, want one per preset: %d", len(res.Items), len(services))
	}
	for _, c := range res.Items {
		insp, err := cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		name := c.Labels["com.docker.compose.service"]
		if bad := hardened(insp.Container.HostConfig, insp.Container.Config.User); len(bad) > 0 {
			t.Errorf("%s: %s", name, strings.Join(bad, "; "))
		}
		if len(insp.Container.HostConfig.PortBindings) == 0 {
			t.Errorf("%s: no port published", name)
		}
	}
}
