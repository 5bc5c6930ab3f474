package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/containerd/errdefs"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// List returns the IDs of the containers labelled with runID (every lab
// container when runID is empty).
func List(ctx context.Context, runID string) ([]string, error) {
	cli, err := DockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	items, err := list(ctx, cli.Client, runID)
	var ids []string
	for _, c := range items {
		ids = append(ids, c.ID)
	}
	return ids, err
}

func list(ctx context.Context, cli *client.Client, runID string) ([]container.Summary, error) {
	label := LabelLab + "=true"
	if runID != "" {
		label = LabelRun + "=" + runID
	}
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", label),
	})
	if err != nil {
		return nil, fmt.Errorf("list lab containers: %w", err)
	}
	return res.Items, nil
}

// Cleanup force-removes every container the runner labelled with runID, or
// every container of the lab when runID is empty. Specimens go first: they
// live in their agent's namespaces. The engine can list a container whose
// creation it has not finished, and removal then answers "no such
// container": Cleanup lists again until the list is empty, a few times.
func Cleanup(ctx context.Context, runID string) (int, error) {
	cli, err := DockerClient(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	n := 0
	var errs []error
	for pass := 0; pass < cleanupPasses; pass++ {
		if pass > 0 {
			select {
			case <-ctx.Done():
				return n, errors.Join(append(errs, ctx.Err())...)
			case <-time.After(cleanupPause):
			}
		}
		items, err := list(ctx, cli.Client, runID)
		if err != nil {
			return n, err
		}
		if len(items) == 0 {
			return n, nil
		}
		sort.SliceStable(items, func(i, j int) bool {
			return items[i].Labels[LabelRole] == "specimen" && items[j].Labels[LabelRole] != "specimen"
		})
		errs = nil
		for _, c := range items {
			_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			switch {
			case err == nil:
				n++
			case errdefs.IsNotFound(err): // not yet created, or gone: the next list says
			default:
				errs = append(errs, fmt.Errorf("remove %s: %w", c.ID[:12], err))
			}
		}
	}
	items, err := list(ctx, cli.Client, runID)
	if err != nil {
		return n, err
	}
	for _, c := range items {
		errs = append(errs, fmt.Errorf("%s still listed after %d passes", c.ID[:12], cleanupPasses))
	}
	return n, errors.Join(errs...)
}

// How many times Cleanup lists and removes, and how long it pauses between.
const (
	cleanupPasses = 10
	cleanupPause  = 500 * time.Millisecond
)
