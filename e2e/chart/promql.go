package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// Grafana's variables in the dashboard's queries, as Grafana fills them in before Prometheus
// reads them.
var grafana = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// queryProblems parses every alert's expression and every dashboard panel's query of
// deploy/components/monitoring with Prometheus's own parser.
func queryProblems(deployDir string) []string {
	dir := filepath.Join(deployDir, "components", "monitoring")
	var problems []string
	var rules struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert string `json:"alert"`
					Expr  string `json:"expr"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	text, err := os.ReadFile(filepath.Join(dir, "prometheusrule.yaml"))
	if err != nil {
		return []string{err.Error()}
	}
	if err := yaml.Unmarshal(text, &rules); err != nil {
		return []string{"prometheusrule.yaml: " + err.Error()}
	}
	promql := parser.NewParser(parser.Options{})
	count := 0
	for _, group := range rules.Spec.Groups {
		for _, rule := range group.Rules {
			count++
			if _, err := promql.ParseExpr(rule.Expr); err != nil {
				problems = append(problems, fmt.Sprintf("alert %s: %v", rule.Alert, err))
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "dashboard.json"))
	if err != nil {
		return append(problems, err.Error())
	}
	var dashboard struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		return append(problems, "dashboard.json: "+err.Error())
	}
	for _, panel := range dashboard.Panels {
		for _, target := range panel.Targets {
			count++
			if _, err := promql.ParseExpr(grafana.Replace(target.Expr)); err != nil {
				problems = append(problems, fmt.Sprintf("panel %q: %v", panel.Title, err))
			}
		}
	}
	if count == 0 {
		problems = append(problems, "no query found: the files' shape changed")
	}
	return problems
}
