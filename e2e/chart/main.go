// Command chart checks deploy/chart against deploy/: for each case of cases.yaml it packages
// the chart as `helm package` does, renders the package with the case's values through Helm's
// own code (values schema, engine), builds the case's kustomization over deploy/ with
// kustomize, and compares the two object by object. A case with `refused` must fail at the
// values schema with that text. With -kubeconfig, every rendered object is then applied to
// that cluster as a server-side dry run. The monitoring component's alerts and dashboard
// queries are parsed by Prometheus's own parser. Prints a line a check and exits 1 on any
// difference.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartsave "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// A case: the chart's values, and what a kustomize user writes over deploy/ for the same.
type testCase struct {
	Name      string         `json:"name"`
	Namespace string         `json:"namespace"`
	Values    map[string]any `json:"values"`
	// Components of deploy/components, and kustomization fields beside them (patches,
	// images, replicas, labels…), as a kustomization over deploy/base.
	Components    []string       `json:"components"`
	Kustomization map[string]any `json:"kustomization"`
	// Objects deploy/ has no file for: the kustomize user writes them.
	Resources []map[string]any `json:"resources"`
	// The chart renders the release's Namespace only when asked.
	KeepNamespace bool `json:"keepNamespace"`
	// When set, the values must be refused with this text.
	Refused string `json:"refused"`
}

type object = map[string]any

func main() {
	chartDir := flag.String("chart", "deploy/chart", "the chart's directory")
	deployDir := flag.String("deploy", "deploy", "deploy/, the kustomizations")
	casesFile := flag.String("cases", "e2e/chart/cases.yaml", "the cases")
	cargo := flag.String("cargo", "Cargo.toml", "the workspace manifest, whose version the chart's must be")
	kubeconfig := flag.String("kubeconfig", "", "dry-run every rendered object on this cluster")
	out := flag.String("out", "", "write the chart's package here")
	flag.Parse()
	// Helm says at Info that it follows files/' links to deploy/: that is the design.
	slog.SetLogLoggerLevel(slog.LevelWarn)
	failures, err := run(*chartDir, *deployDir, *casesFile, *cargo, *kubeconfig, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(2)
	}
	if failures > 0 {
		os.Exit(1)
	}
}

func run(chartDir, deployDir, casesFile, cargo, kubeconfig, out string) (int, error) {
	var cases []testCase
	if err := readYAML(casesFile, &cases); err != nil {
		return 0, err
	}
	packaged, err := pack(chartDir, out)
	if err != nil {
		return 0, err
	}
	passed, failures := 0, 0
	defer func() { fmt.Printf("chart: %d passed, %d failed\n", passed, failures) }()
	report := func(name string, problems []string) {
		if len(problems) == 0 {
			passed++
			fmt.Printf("  ok   %s\n", name)
			return
		}
		failures++
		fmt.Printf("  FAIL %s\n", name)
		for _, p := range problems {
			fmt.Printf("       %s\n", p)
		}
	}
	report("the chart's version is the workspace's", versionProblems(packaged, cargo))
	report("every value is set by a case", uncovered(packaged, cases))
	report("every alert and dashboard query is PromQL", queryProblems(deployDir))
	var cluster *dryRunner
	if kubeconfig != "" {
		if cluster, err = newDryRunner(kubeconfig); err != nil {
			return 0, err
		}
	}
	for i, c := range cases {
		namespace := c.Namespace
		if namespace == "" {
			namespace = "flux-web"
		}
		rendered, renderErr := render(packaged, c.Values, namespace)
		if c.Refused != "" {
			report(c.Name+": refused at install", refusal(renderErr, c.Refused))
			continue
		}
		if renderErr != nil {
			report(c.Name, []string{renderErr.Error()})
			continue
		}
		built, err := kustomize(deployDir, c, rendered)
		if err != nil {
			report(c.Name, []string{err.Error()})
			continue
		}
		report(fmt.Sprintf("%s: %d objects as deploy/ builds them", c.Name, len(rendered)), compare(built, rendered))
		if cluster != nil {
			// In a namespace of its own: a server-side apply merges into what another field
			// manager owns (deploy/'s objects, applied by other tests), which is a take-over,
			// not an install.
			report(c.Name+": server-side dry run", dryRun(cluster, packaged, c.Values, fmt.Sprintf("chart-check-%d", i)))
		}
	}
	return failures, nil
}

func dryRun(cluster *dryRunner, c *chart.Chart, values map[string]any, namespace string) []string {
	rendered, err := render(c, values, namespace)
	if err != nil {
		return []string{err.Error()}
	}
	return cluster.apply(rendered)
}

// pack saves the chart as `helm package` does and loads the package back: what users install
// is the archive, in which deploy/'s files (linked from files/) must be whole.
func pack(dir, out string) (*chart.Chart, error) {
	source, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", dir, err)
	}
	if out == "" {
		if out, err = os.MkdirTemp("", "chart-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(out)
	}
	archive, err := chartsave.Save(source, out)
	if err != nil {
		return nil, fmt.Errorf("packaging: %w", err)
	}
	return loader.LoadFile(archive)
}

func versionProblems(c *chart.Chart, cargo string) []string {
	manifest, err := os.ReadFile(cargo)
	if err != nil {
		return []string{err.Error()}
	}
	match := regexp.MustCompile(`(?m)^version = "([^"]+)"`).FindSubmatch(manifest)
	if match == nil {
		return []string{"no version in " + cargo}
	}
	var problems []string
	for what, v := range map[string]string{"version": c.Metadata.Version, "appVersion": c.Metadata.AppVersion} {
		if v != string(match[1]) {
			problems = append(problems, fmt.Sprintf("Chart.yaml %s %s, Cargo.toml %s", what, v, match[1]))
		}
	}
	return problems
}

// uncovered names each value of values.yaml no case sets. A value is a key whose schema
// lists no properties of its own (config, resources…: set as a whole).
func uncovered(c *chart.Chart, cases []testCase) []string {
	var schema map[string]any
	if err := json.Unmarshal(c.Schema, &schema); err != nil {
		return []string{"values.schema.json: " + err.Error()}
	}
	set := map[string]bool{}
	for _, tc := range cases {
		for _, path := range leaves(tc.Values, nil, "") {
			set[path] = true
		}
	}
	var problems []string
	for _, path := range leaves(c.Values, schema, "") {
		if !set[path] {
			problems = append(problems, path+": no case sets it")
		}
	}
	sort.Strings(problems)
	return problems
}

// leaves are the paths of values down to where the schema stops naming properties. Without
// a schema (a case's values): every key and each of its prefixes.
func leaves(values map[string]any, schema map[string]any, prefix string) []string {
	var found []string
	properties, _ := schema["properties"].(map[string]any)
	for name, value := range values {
		path := prefix + name
		inner, isMap := value.(map[string]any)
		sub, _ := properties[name].(map[string]any)
		_, named := sub["properties"]
		switch {
		case isMap && schema == nil:
			found = append(append(found, path), leaves(inner, nil, path+".")...)
		case isMap && named && len(inner) > 0:
			found = append(found, leaves(inner, sub, path+".")...)
		default:
			found = append(found, path)
		}
	}
	return found
}

// render is `helm template --namespace <namespace> flux-web <package> -f values`.
func render(c *chart.Chart, values map[string]any, namespace string) ([]object, error) {
	options := common.ReleaseOptions{Name: "flux-web", Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(c, values, options, nil)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(c, top)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objects []object
	for _, name := range names {
		if filepath.Ext(name) != ".yaml" {
			continue
		}
		found, err := documents([]byte(files[name]))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		objects = append(objects, found...)
	}
	return objects, nil
}

func refusal(err error, want string) []string {
	if err == nil {
		return []string{"rendered without a word"}
	}
	if !strings.Contains(err.Error(), want) {
		return []string{fmt.Sprintf("refused with %q, not with %q", err.Error(), want)}
	}
	return nil
}

// kustomize builds deploy/base with the case's components and fields, and the chart's own
// labels on every object's metadata (Helm's and the release's; not on selectors or pods).
func kustomize(deployDir string, c testCase, rendered []object) ([]object, error) {
	deploy, err := filepath.Abs(deployDir)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kustomization-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// kustomize takes a kustomization's paths relative to it.
	if deploy, err = filepath.Rel(dir, deploy); err != nil {
		return nil, err
	}
	k := object{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"resources":  []any{filepath.Join(deploy, "base")},
	}
	for key, value := range c.Kustomization {
		k[key] = value
	}
	var components []any
	for _, name := range c.Components {
		components = append(components, filepath.Join(deploy, "components", name))
	}
	if components != nil {
		k["components"] = components
	}
	for i, resource := range c.Resources {
		name := fmt.Sprintf("resource-%d.yaml", i)
		if err := writeYAML(filepath.Join(dir, name), resource); err != nil {
			return nil, err
		}
		k["resources"] = append(k["resources"].([]any), name)
	}
	labels := chartLabels(rendered)
	if labels == nil {
		return nil, fmt.Errorf("the chart rendered no Service to take its labels from")
	}
	k["labels"] = append(asList(k["labels"]), object{"pairs": labels})
	if !c.KeepNamespace {
		patch := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-web\n$patch: delete\n"
		k["patches"] = append(asList(k["patches"]), object{"patch": patch})
	}
	if err := writeYAML(filepath.Join(dir, "kustomization.yaml"), k); err != nil {
		return nil, err
	}
	options := krusty.MakeDefaultOptions()
	options.LoadRestrictions = types.LoadRestrictionsNone
	built, err := krusty.MakeKustomizer(options).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize: %w", err)
	}
	text, err := built.AsYaml()
	if err != nil {
		return nil, err
	}
	return documents(text)
}

// chartLabels are the labels the chart puts on its Service beyond deploy/'s name label.
func chartLabels(rendered []object) map[string]any {
	for _, o := range rendered {
		if o["kind"] == "Service" {
			labels := map[string]any{}
			for k, v := range dig(o, "metadata", "labels") {
				labels[k] = v
			}
			delete(labels, "app.kubernetes.io/name")
			return labels
		}
	}
	return nil
}

// compare: the same objects, each the same once the text of a config or a dashboard is read
// as the data it is.
func compare(want, got []object) []string {
	index := func(objects []object) map[string]object {
		m := map[string]object{}
		for _, o := range objects {
			m[key(o)] = normalize(o)
		}
		return m
	}
	w, g := index(want), index(got)
	var problems []string
	for k, o := range w {
		other, ok := g[k]
		switch {
		case !ok:
			problems = append(problems, k+": deploy/ has it, the chart does not")
		case !reflect.DeepEqual(o, other):
			problems = append(problems, differences(k, o, other)...)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			problems = append(problems, k+": the chart has it, deploy/ does not")
		}
	}
	sort.Strings(problems)
	return problems
}

func key(o object) string {
	namespace, _ := dig(o, "metadata")["namespace"].(string)
	name, _ := dig(o, "metadata")["name"].(string)
	return fmt.Sprintf("%s/%s %s/%s", o["apiVersion"], o["kind"], namespace, name)
}

func normalize(o object) object {
	// Through JSON, so numbers and maps have one type whichever YAML reader read them.
	raw, _ := json.Marshal(o)
	var n object
	_ = json.Unmarshal(raw, &n)
	for _, field := range []string{"stringData", "data"} {
		data, ok := n[field].(map[string]any)
		if !ok {
			continue
		}
		for name, value := range data {
			text, _ := value.(string)
			var parsed any
			switch {
			case strings.HasSuffix(name, ".json"):
				if json.Unmarshal([]byte(text), &parsed) == nil {
					data[name] = parsed
				}
			case strings.HasSuffix(name, ".yaml"):
				if yaml.Unmarshal([]byte(text), &parsed) == nil {
					data[name] = parsed
				}
			}
		}
	}
	return n
}

// differences names each path where two objects part, with both values.
func differences(at string, want, got any) []string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		var found []string
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		for k := range keys {
			if !reflect.DeepEqual(wm[k], gm[k]) {
				found = append(found, differences(at+"."+k, wm[k], gm[k])...)
			}
		}
		return found
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok && len(wl) == len(gl) {
		var found []string
		for i := range wl {
			if !reflect.DeepEqual(wl[i], gl[i]) {
				found = append(found, differences(fmt.Sprintf("%s[%d]", at, i), wl[i], gl[i])...)
			}
		}
		return found
	}
	show := func(v any) string {
		raw, _ := json.Marshal(v)
		if len(raw) > 300 {
			return string(raw[:300]) + "…"
		}
		return string(raw)
	}
	return []string{fmt.Sprintf("%s: deploy/ %s, the chart %s", at, show(want), show(got))}
}

func documents(text []byte) ([]object, error) {
	var found []object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(text), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, err
		}
		if o != nil {
			found = append(found, o)
		}
	}
	return found, nil
}

func dig(o object, path ...string) map[string]any {
	current := o
	for _, p := range path {
		next, _ := current[p].(map[string]any)
		current = next
	}
	return current
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

func readYAML(path string, into any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return yaml.UnmarshalStrict(raw, into)
}

func writeYAML(path string, v any) error {
	raw, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}
