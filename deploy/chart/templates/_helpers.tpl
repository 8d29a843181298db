{{/*
Names are deploy/'s, whatever the release is called: users bind the ClusterRoles
flux-web-user and flux-web-admin by name, and the server looks for its resumer's Lease
flux-web-resumer. So one release a cluster.
*/}}

{{- define "flux-web.labels" -}}
app.kubernetes.io/name: flux-web
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The selector is deploy/'s, so a release can take over what deploy/ installed. */}}
{{- define "flux-web.selector" -}}
app.kubernetes.io/name: flux-web
{{- end }}

{{- define "flux-web.metadata" -}}
{{- $root := index . 0 -}}
name: {{ index . 1 }}
{{- if index . 2 }}
namespace: {{ $root.Release.Namespace }}
{{- end }}
labels:
  {{- include "flux-web.labels" $root | nindent 2 }}
{{- with $root.Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "flux-web.configSecret" -}}
{{- .Values.existingConfigSecret | default "flux-web-config" -}}
{{- end }}

{{/*
Renders the objects of one of deploy/'s manifests (files/ links to deploy/) in the release's
namespace with the chart's labels: the chart's RBAC and alerts are deploy/'s own, not copies.
*/}}
{{- define "flux-web.fromDeploy" -}}
{{- $root := index . 0 -}}
{{- range $doc := splitList "\n---\n" ($root.Files.Get (index . 1)) }}
{{- $object := fromYaml $doc }}
{{- if $object.kind }}
{{- $meta := $object.metadata }}
{{- $_ := set $meta "labels" (merge (include "flux-web.labels" $root | fromYaml) ($meta.labels | default dict)) }}
{{- with $root.Values.commonAnnotations }}
{{- $_ := set $meta "annotations" (merge (deepCopy .) ($meta.annotations | default dict)) }}
{{- end }}
{{- if $meta.namespace }}
{{- $_ := set $meta "namespace" $root.Release.Namespace }}
{{- end }}
{{- range $subject := $object.subjects | default list }}
{{- if eq $subject.kind "ServiceAccount" }}
{{- $_ := set $subject "namespace" $root.Release.Namespace }}
{{- end }}
{{- end }}
---
{{ toYaml $object }}
{{- end }}
{{- end }}
{{- end }}
