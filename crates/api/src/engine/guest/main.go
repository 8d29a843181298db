// flux-web's engine: Flux's own code, compiled to WebAssembly (wasip1) and run inside flux-web,
// which gives it at most a source tree, read-only, and nothing else. Two works, by the input:
// a Kustomization's build (here), and a HelmRelease's values (values.go).
//
// The build: a Flux Kustomization built as kustomize-controller builds it, with Flux's own
// generator, kustomize and variable substitution (the versions of the kustomize-controller
// flux-web targets, pinned in go.mod). Input on stdin, as JSON:
//
//	{"kustomization": {...}, "root": "/src", "strict": true,
//	 "configMaps": {"name": {"key": "value"}}, "secrets": {"name": {"key": "value"}}}
//
// `configMaps` and `secrets` are the `postBuild.substituteFrom` references flux-web read;
// one absent is not found, as the controller's client would say. The answer, on stdout, is
// JSON: `yaml`, the build byte for byte as the controller digests it into
// `status.history[].digest`, and `objects`, what the controller applies of it: normalized, with
// `spec.commonMetadata` and its owner labels. A failure is one line on stderr and exit status 1.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	generator "github.com/fluxcd/pkg/kustomize"
	"github.com/fluxcd/pkg/ssa/normalize"
	ssautil "github.com/fluxcd/pkg/ssa/utils"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

type input struct {
	Kustomization map[string]any               `json:"kustomization"`
	Root          string                       `json:"root"`
	Strict        bool                         `json:"strict"`
	ConfigMaps    map[string]map[string]string `json:"configMaps"`
	Secrets       map[string]map[string]string `json:"secrets"`
}

type output struct {
	YAML    string                   `json:"yaml"`
	Objects []map[string]interface{} `json:"objects"`
}

func main() {
	out, err := work(os.Stdin)
	if err == nil {
		write(out)
		return
	}
	fmt.Fprintln(os.Stderr, strings.ReplaceAll(err.Error(), "\n", " "))
	os.Exit(1)
}

// work answers the input: a HelmRelease's values when it has `values`, else a build.
func work(stdin io.Reader) ([]byte, error) {
	in, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("reading the input: %w", err)
	}
	var which struct {
		Values json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(in, &which); err != nil {
		return nil, fmt.Errorf("reading the input: %w", err)
	}
	if which.Values != nil {
		return values(which.Values)
	}
	built, ks, err := run(bytes.NewReader(in))
	if err != nil {
		return nil, err
	}
	objects, err := applied(built, ks)
	if err != nil {
		return nil, err
	}
	return json.Marshal(output{YAML: string(built), Objects: objects})
}

func write(out []byte) {
	// The host caps what it takes: a write it refuses is a failed work, not a short one.
	if _, err := os.Stdout.Write(out); err != nil {
		fmt.Fprintln(os.Stderr, "writing the answer:", err)
		os.Exit(1)
	}
}

// applied is what kustomize-controller makes of the build before it applies it: the objects
// read from it, its owner labels, normalized, and the Kustomization's common metadata.
func applied(built []byte, ks unstructured.Unstructured) ([]map[string]interface{}, error) {
	objects, err := ssautil.ReadObjects(bytes.NewReader(built))
	if err != nil {
		return nil, err
	}
	for _, object := range objects {
		labels := object.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[owner+"/name"] = ks.GetName()
		labels[owner+"/namespace"] = ks.GetNamespace()
		object.SetLabels(labels)
	}
	if err := normalize.UnstructuredList(objects); err != nil {
		return nil, err
	}
	labels, _, _ := unstructured.NestedStringMap(ks.Object, "spec", "commonMetadata", "labels")
	annotations, _, _ := unstructured.NestedStringMap(ks.Object, "spec", "commonMetadata", "annotations")
	if labels != nil || annotations != nil {
		ssautil.SetCommonMetadata(objects, labels, annotations)
	}
	out := make([]map[string]interface{}, 0, len(objects))
	for _, object := range objects {
		out = append(out, object.Object)
	}
	return out, nil
}

// owner is the group of the owner labels kustomize-controller sets on what it applies.
const owner = "kustomize.toolkit.fluxcd.io"

func run(stdin io.Reader) ([]byte, unstructured.Unstructured, error) {
	var in input
	if err := json.NewDecoder(stdin).Decode(&in); err != nil {
		return nil, unstructured.Unstructured{}, fmt.Errorf("reading the input: %w", err)
	}
	ks := unstructured.Unstructured{Object: in.Kustomization}
	path, _, _ := unstructured.NestedString(ks.Object, "spec", "path")
	dir := filepath.Join(in.Root, path)
	if _, err := os.Stat(dir); err != nil {
		return nil, ks, fmt.Errorf("kustomization path not found: %w", err)
	}

	// The controller writes the generated kustomization.yaml into its copy of the tree; the
	// tree here is read-only, so the build reads it into memory and writes it there.
	manifest, file, _, err := generator.NewGenerator(in.Root, ks).GenerateManifest(dir)
	if err != nil {
		return nil, ks, err
	}
	fs := filesys.MakeFsInMemory()
	if err := load(fs, in.Root); err != nil {
		return nil, ks, fmt.Errorf("reading the source: %w", err)
	}
	if err := fs.WriteFile(file, manifest); err != nil {
		return nil, ks, err
	}
	m, err := generator.Build(fs, dir)
	if err != nil {
		return nil, ks, fmt.Errorf("kustomize build failed: %w", err)
	}

	refs := references{configMaps: in.ConfigMaps, secrets: in.Secrets}
	strategy, _, _ := unstructured.NestedString(ks.Object, "spec", "postBuild", "substituteStrategy")
	_, postBuild, _ := unstructured.NestedFieldNoCopy(ks.Object, "spec", "postBuild")
	for _, res := range m.Resources() {
		if res.GetName() == "" || res.GetKind() == "" || res.GetApiVersion() == "" {
			return nil, ks, fmt.Errorf("failed to decode Kubernetes apiVersion, kind and name from: %v", res.String())
		}
		if !postBuild {
			continue
		}
		substituted, err := generator.SubstituteVariables(context.Background(), refs, ks, res,
			generator.SubstituteWithStrict(in.Strict), generator.SubstituteWithAlways(strategy == "Always"))
		if err != nil {
			return nil, ks, fmt.Errorf("post build failed for '%s/%s': %w", res.GetGvk(), res.GetName(), err)
		}
		if substituted != nil {
			if _, err := m.Replace(res); err != nil {
				return nil, ks, err
			}
		}
	}
	built, err := m.AsYaml()
	if err != nil {
		return nil, ks, fmt.Errorf("kustomize build failed: %w", err)
	}
	return built, ks, nil
}

// load copies the tree under root into fs at the same paths. Links are not followed: flux-web
// refuses an artifact with any.
func load(fs filesys.FileSystem, root string) error {
	return filepath.WalkDir(root, func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() {
			return fs.MkdirAll(path)
		}
		if !entry.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return fs.WriteFile(path, data)
	})
}

// references answers the substitution's reads of ConfigMaps and Secrets from what flux-web
// read for it; every other call of the client interface is never made by the substitution.
type references struct {
	client.Client
	configMaps map[string]map[string]string
	secrets    map[string]map[string]string
}

func (r references) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		data, ok := r.configMaps[key.Name]
		if !ok {
			return apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, key.Name)
		}
		o.Data = data
	case *corev1.Secret:
		data, ok := r.secrets[key.Name]
		if !ok {
			return apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
		}
		o.Data = map[string][]byte{}
		for k, v := range data {
			o.Data[k] = []byte(v)
		}
	default:
		return fmt.Errorf("the build reads no %T", obj)
	}
	return nil
}
