package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// dryRunner applies objects to a cluster as a server-side dry run: the API server validates
// each against its schema and admission, and keeps nothing.
type dryRunner struct {
	mapper  meta.RESTMapper
	client  dynamic.Interface
	typed   kubernetes.Interface
	created map[string]bool
}

func newDryRunner(kubeconfig string) (*dryRunner, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	config.Timeout = 20 * time.Second
	disco, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, err
	}
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	typed, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	return &dryRunner{mapper: mapper, client: client, typed: typed, created: map[string]bool{}}, nil
}

func (d *dryRunner) apply(objects []object) []string {
	var problems []string
	for _, o := range objects {
		if err := d.applyOne(o); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key(o), err))
		}
	}
	return problems
}

func (d *dryRunner) applyOne(o object) error {
	u := &unstructured.Unstructured{Object: o}
	gvk := u.GroupVersionKind()
	mapping, err := d.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resource := d.client.Resource(mapping.Resource)
	var target dynamic.ResourceInterface = resource
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		// A dry run in a namespace that does not exist is refused as not found: make it.
		if err := d.namespace(ctx, u.GetNamespace()); err != nil {
			return err
		}
		target = resource.Namespace(u.GetNamespace())
	}
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	force := true
	_, err = target.Patch(ctx, u.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
		DryRun:       []string{metav1.DryRunAll},
		FieldManager: "flux-web-chart-check",
		Force:        &force,
		// A field the schema does not know is an error, as kubectl's default makes it.
		FieldValidation: "Strict",
	})
	return err
}

func (d *dryRunner) namespace(ctx context.Context, name string) error {
	if d.created[name] {
		return nil
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := d.typed.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	d.created[name] = true
	return nil
}
