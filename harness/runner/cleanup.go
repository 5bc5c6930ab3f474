package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/moby/moby/client"
)

// Cleanup force-removes every container the runner labelled with runID, or
// every container of the lab when runID is empty. Specimens go first: they
// live in their agent's namespaces.
func Cleanup(ctx context.Context, runID string) (int, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	label := LabelLab + "=true"
	if runID != "" {
		label = LabelRun + "=" + runID
	}
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", label),
	})
	if err != nil {
		return 0, fmt.Errorf("list lab containers: %w", err)
	}
	items := list.Items
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
