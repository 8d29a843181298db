// A HelmRelease's values as helm-controller composes them: its own function
// (`chartutil.ChartValuesFromReferences`, the version helm-controller v1.6.3 pins, in go.mod)
// over the `valuesFrom` data flux-web read as the caller, and the digest helm-controller records
// of them (`chartutil.DigestValues`, the `configDigest` of a release). Input, under `values`:
//
//	{"namespace": "apps", "spec": {...}, "references": [{"kind": "Secret", "name": "db", ...}],
//	 "configMaps": {"name": {"key": "value"}}, "secrets": {"name": {"key": "value"}}}
//
// An object absent from `configMaps` or `secrets` is not found, as the controller's client
// would say. The answer is JSON: `values`, the composition; `digest`; and `origins`, the same
// composition run again over each source's data with every leaf replaced by the source's tag
// (`origin-<i>` for reference i, `origin-values` for `spec.values`): where a leaf of `values`
// has a tag at the same place in `origins`, that source wrote it — the controller's own merge
// decides, so its precedence, whatever it is, holds for the tags too.
package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/chartutil"
	"github.com/go-logr/logr"
	"github.com/opencontainers/go-digest"
	"helm.sh/helm/v4/pkg/chart/common"
)

type valuesInput struct {
	Namespace  string                       `json:"namespace"`
	Spec       json.RawMessage              `json:"spec"`
	References []meta.ValuesReference       `json:"references"`
	ConfigMaps map[string]map[string]string `json:"configMaps"`
	Secrets    map[string]map[string]string `json:"secrets"`
}

type valuesOutput struct {
	Values  map[string]interface{} `json:"values"`
	Origins map[string]interface{} `json:"origins"`
	Digest  string                 `json:"digest"`
}

func values(raw json.RawMessage) ([]byte, error) {
	var in valuesInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("reading the input: %w", err)
	}
	ctx := context.Background()
	inline, err := inlineValues(in.Spec)
	if err != nil {
		return nil, fmt.Errorf("reading spec.values: %w", err)
	}
	client := references{configMaps: in.ConfigMaps, secrets: in.Secrets}
	composed, err := chartutil.ChartValuesFromReferences(ctx, logr.Discard(), client, in.Namespace,
		inline, in.References...)
	if err != nil {
		return nil, err
	}
	tagged, err := origins(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("tracing where the values came from: %w", err)
	}
	return json.Marshal(valuesOutput{
		Values:  composed,
		Origins: tagged,
		Digest:  chartutil.DigestValues(digest.Canonical, composed).String(),
	})
}

// origins composes again, each reference given an object of its own whose data is its tag
// (a `targetPath` reference) or its values with every leaf its tag (a reference merged whole).
func origins(ctx context.Context, in valuesInput) (map[string]interface{}, error) {
	tagged := references{configMaps: map[string]map[string]string{}, secrets: map[string]map[string]string{}}
	refs := make([]meta.ValuesReference, len(in.References))
	for i, ref := range in.References {
		tag := fmt.Sprintf("origin-%d", i)
		ref.Name = tag
		refs[i] = ref
		objects, found := in.ConfigMaps, tagged.configMaps
		if ref.Kind == "Secret" {
			objects, found = in.Secrets, tagged.secrets
		}
		data, ok := objects[in.References[i].Name]
		if !ok {
			continue
		}
		value, ok := data[ref.GetValuesKey()]
		if !ok {
			found[tag] = map[string]string{}
			continue
		}
		if ref.TargetPath == "" {
			values, err := common.ReadValues([]byte(value))
			if err != nil {
				return nil, err
			}
			text, err := json.Marshal(tagLeaves(map[string]interface{}(values), tag))
			if err != nil {
				return nil, err
			}
			value = string(text)
		} else {
			value = tag
		}
		found[tag] = map[string]string{ref.GetValuesKey(): value}
	}
	inline, err := inlineValues(in.Spec)
	if err != nil {
		return nil, err
	}
	if inline != nil {
		inline = tagLeaves(inline, "origin-values").(map[string]interface{})
	}
	return chartutil.ChartValuesFromReferences(ctx, logr.Discard(), tagged, in.Namespace, inline, refs...)
}

// inlineValues is spec.values as the controller reads it (`GetValues`): a copy of its own for
// each composition, since the controller's merge may write into the map it is given.
func inlineValues(spec json.RawMessage) (map[string]interface{}, error) {
	var values map[string]interface{}
	if len(spec) == 0 || string(spec) == "null" {
		return values, nil
	}
	return values, json.Unmarshal(spec, &values)
}

// tagLeaves is value with every leaf (a scalar or null) replaced by tag, its maps and lists kept.
func tagLeaves(value interface{}, tag string) interface{} {
	switch v := value.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, item := range v {
			out[k] = tagLeaves(item, tag)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, item := range v {
			out[i] = tagLeaves(item, tag)
		}
		return out
	default:
		return tag
	}
}
