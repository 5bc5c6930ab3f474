package runner

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/protocol"
)

// The CPUs a pinned arm's specimen and its agent (which generates the
// load) run on: on two cores, each has its own.
const (
	SpecimenCPU = "0"
	AgentCPU    = "1"
)

// Neighbour is a busy neighbour: a container that burns CPU beside a run,
// so that a run can show which lessons hold on a busy machine.
type Neighbour struct {
	Name    string
	What    string  // for lab run -h and the records
	Threads int     // spinning threads
	CPUs    string  // a cpuset to pin them to; "" leaves them free
	Quota   float64 // CPUs' worth of time its cgroup may take (0: no bound)
}

// Neighbours are the neighbours lab run --neighbour knows.
var Neighbours = []Neighbour{
	{Name: "pinned", What: "one thread spinning on CPU " + SpecimenCPU + ", the pinned specimens' core", Threads: 1, CPUs: SpecimenCPU},
	{Name: "bounded", What: "two threads spinning anywhere, their cgroup bounded to one CPU's worth of time", Threads: 2, Quota: 1},
}

// LookupNeighbour returns the neighbour called name.
func LookupNeighbour(name string) (Neighbour, error) {
	i := slices.IndexFunc(Neighbours, func(n Neighbour) bool { return n.Name == name })
	if i < 0 {
		var names []string
		for _, n := range Neighbours {
			names = append(names, n.Name)
		}
		sort.Strings(names)
		return Neighbour{}, fmt.Errorf("no neighbour %q (want one of %v)", name, names)
	}
	return Neighbours[i], nil
}

// neighbourBound ends a neighbour that no one stopped (a run killed with
// SIGKILL): lab cleanup removes its container.
const neighbourBound = 6 * time.Hour

// StartNeighbour starts n in the agent's image (`lab hog`), labelled with
// runID so that Cleanup removes it, with no network and no capability. The
// returned stop removes it; call it whatever happens.
func StartNeighbour(ctx context.Context, runID string, n Neighbour) (stop func(), err error) {
	if err := Present(ctx, catalogue.Image(catalogue.AgentTarget)); err != nil {
		return func() {}, err
	}
	cli, err := DockerClient(ctx)
	if err != nil {
		return func() {}, err
	}
	pids := int64(64)
	hc := &container.HostConfig{NetworkMode: "none", ReadonlyRootfs: true, CapDrop: []string{"ALL"},
		SecurityOpt: []string{"no-new-privileges"}}
	hc.Resources.PidsLimit = &pids
	hc.Resources.Memory = 64 << 20
	hc.Resources.CpusetCpus = n.CPUs
	hc.Resources.NanoCPUs = int64(n.Quota * 1e9)
	// The creation does not heed ctx (see start): an interrupt now would
	// leave a neighbour no one removes.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	created, err := cli.ContainerCreate(cctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:  catalogue.Image(catalogue.AgentTarget),
			Cmd:    []string{protocol.CommandHog, "--" + protocol.FlagThreads, strconv.Itoa(n.Threads), "--" + protocol.FlagFor, neighbourBound.String()},
			Labels: map[string]string{LabelLab: "true", LabelRun: runID, LabelRole: "neighbour"},
		},
		HostConfig: hc,
		Name:       containerName(runID + "-neighbour-" + n.Name),
	})
	stop = func() {
		defer cli.Close()
		if created.ID == "" {
			return
		}
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = cli.ContainerRemove(rctx, created.ID, client.ContainerRemoveOptions{Force: true})
	}
	if err != nil {
		return stop, fmt.Errorf("create the %s neighbour: %w", n.Name, explain(err))
	}
	if _, err := cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return stop, fmt.Errorf("start the %s neighbour: %w", n.Name, err)
	}
	return stop, nil
}
