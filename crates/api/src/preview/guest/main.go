// The preview's build engine: a Flux Kustomization built as kustomize-controller builds it,
// with Flux's own generator, kustomize and variable substitution (the versions of the
// kustomize-controller flux-web targets, pinned in go.mod), compiled to WebAssembly (wasip1)
// and run inside flux-web, which gives it the source tree read-only and nothing else.
//
// Input on stdin, as JSON:
//
//	{"kustomization": {...}, "root": "/src", "strict": true,
//	 "configMaps": {"name": {"key": "value"}}, "secrets": {"name": {"key": "value"}}}
//
// `configMaps` and `secrets` are the `postBuild.substituteFrom` references flux-web read;
// one absent is not found, as the controller's client would say. The build's YAML, byte for
// byte what the controller digests into `status.history[].digest`, goes to stdout; a failure
// is one line on stderr and exit status 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	generator "github.com/fluxcd/pkg/kustomize"
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

func main() {
	out, err := run(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
	// The host caps what it takes: a write it refuses is a failed build, not a short one.
	if _, err := os.Stdout.Write(out); err != nil {
		fmt.Fprintln(os.Stderr, "writing the build:", err)
		os.Exit(1)
	}
}

func run(stdin io.Reader) ([]byte, error) {
	var in input
	if err := json.NewDecoder(stdin).Decode(&in); err != nil {
		return nil, fmt.Errorf("reading the input: %w", err)
	}
	ks := unstructured.Unstructured{Object: in.Kustomization}
	path, _, _ := unstructured.NestedString(ks.Object, "spec", "path")
	dir := filepath.Join(in.Root, path)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("kustomization path not found: %w", err)
	}

	// The controller writes the generated kustomization.yaml into its copy of the tree; the
	// tree here is read-only, so the build reads it into memory and writes it there.
	manifest, file, _, err := generator.NewGenerator(in.Root, ks).GenerateManifest(dir)
	if err != nil {
		return nil, err
	}
	fs := filesys.MakeFsInMemory()
	if err := load(fs, in.Root); err != nil {
		return nil, fmt.Errorf("reading the source: %w", err)
	}
	if err := fs.WriteFile(file, manifest); err != nil {
		return nil, err
	}
	m, err := generator.Build(fs, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %w", err)
	}

	refs := references{configMaps: in.ConfigMaps, secrets: in.Secrets}
	strategy, _, _ := unstructured.NestedString(ks.Object, "spec", "postBuild", "substituteStrategy")
	_, postBuild, _ := unstructured.NestedFieldNoCopy(ks.Object, "spec", "postBuild")
	for _, res := range m.Resources() {
		if res.GetName() == "" || res.GetKind() == "" || res.GetApiVersion() == "" {
			return nil, fmt.Errorf("failed to decode Kubernetes apiVersion, kind and name from: %v", res.String())
		}
		if !postBuild {
			continue
		}
		substituted, err := generator.SubstituteVariables(context.Background(), refs, ks, res,
			generator.SubstituteWithStrict(in.Strict), generator.SubstituteWithAlways(strategy == "Always"))
		if err != nil {
			return nil, fmt.Errorf("post build failed for '%s/%s': %w", res.GetGvk(), res.GetName(), err)
		}
		if substituted != nil {
			if _, err := m.Replace(res); err != nil {
				return nil, err
			}
		}
	}
	built, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %w", err)
	}
	return built, nil
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
