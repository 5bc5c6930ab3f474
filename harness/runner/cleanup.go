package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// List returns the IDs of the containers labelled with runID (every lab
// container when runID is empty).
func List(ctx context.Context, runID string) ([]string, error) {
	cli, err := dockerClient(ctx)
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
// live in their agent's namespaces.
func Cleanup(ctx context.Context, runID string) (int, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	items, err := list(ctx, cli.Client, runID)
	if err != nil {
		return 0, err
	}
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].Labels[LabelRole] == "specimen" && items[j].Labels[LabelRole] != "specimen"
	})
	var errs []error
	n := 0
	for _, c := range items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", c.ID[:12], err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
