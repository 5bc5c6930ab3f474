package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func runList(_ context.Context, args []string, stdout io.Writer) error {
	fs := flags("list")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Specimens []catalogue.Specimen `json:"specimens"`
			Presets   []catalogue.Preset   `json:"presets"`
		}{catalogue.Specimens(), catalogue.Presets()})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SPECIMEN\tSOURCE\tMODEL")
	for _, s := range catalogue.Specimens() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Source, s.Model)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "PRESET\tSPECIMEN\tARGS\tLIMITS\tPLAY PORT\tSEED")
	for _, p := range catalogue.Presets() {
		seed := p.Article.Source
		if p.Article.Delay > 0 {
			seed += fmt.Sprintf(" (sleeps %v)", p.Article.Delay)
		}
		if p.Article.Ulimits != "" {
			seed += " (" + p.Article.Ulimits + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t127.0.0.1:%d\t%s\n",
			p.Name, p.Specimen, strings.Join(p.Args, " "), p.Limits, p.PlayPort, seed)
	}
	return tw.Flush()
}
