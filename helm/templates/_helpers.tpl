{{/*
The chart's name, or nameOverride.
*/}}
{{- define "remediation-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: fullnameOverride, else the release name when it already
contains the chart name, else <release>-<chart>. Also the name of the leader-election Lease.
*/}}
{{- define "remediation-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "remediation-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "remediation-operator.labels" -}}
helm.sh/chart: {{ include "remediation-operator.chart" . }}
{{ include "remediation-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: homelab
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the operator's pods (never change them: a Deployment's selector is immutable).
*/}}
{{- define "remediation-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "remediation-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "remediation-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "remediation-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "remediation-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The Secret the chart creates for the credentials that do not come from an existing Secret.
*/}}
{{- define "remediation-operator.secretName" -}}
{{- printf "%s-credentials" (include "remediation-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
True (non-empty) when the chart must create its own Secret: at least one credential does not
come from an existing Secret.
*/}}
{{- define "remediation-operator.createSecret" -}}
{{- if or (not .Values.redis.existingSecret) (not .Values.llm.existingSecret) (not .Values.notify.ntfy.existingSecret) (include "remediation-operator.linksSecretInChart" .) }}true{{ end }}
{{- end }}

{{- define "remediation-operator.redisSecretName" -}}
{{- default (include "remediation-operator.secretName" .) .Values.redis.existingSecret }}
{{- end }}

{{- define "remediation-operator.redisSecretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-password{{ end }}
{{- end }}

{{- define "remediation-operator.llmSecretName" -}}
{{- default (include "remediation-operator.secretName" .) .Values.llm.existingSecret }}
{{- end }}

{{- define "remediation-operator.llmSecretKey" -}}
{{- if .Values.llm.existingSecret }}{{ .Values.llm.existingSecretKey }}{{ else }}llm-api-key{{ end }}
{{- end }}

{{- define "remediation-operator.ntfySecretName" -}}
{{- default (include "remediation-operator.secretName" .) .Values.notify.ntfy.existingSecret }}
{{- end }}

{{- define "remediation-operator.ntfySecretKey" -}}
{{- if .Values.notify.ntfy.existingSecret }}{{ .Values.notify.ntfy.existingSecretKey }}{{ else }}ntfy-token{{ end }}
{{- end }}

{{/*
Where the topology ConfigMap is mounted, and the file TOPOLOGY_FILE points to.
*/}}
{{- define "remediation-operator.topologyDir" -}}
/etc/remediation-operator
{{- end }}

{{/*
True (non-empty) when approval links are on: approval.links.baseUrl is set. Checks what the
operator would refuse at start-up, so a bad install fails at `helm install` instead.
*/}}
{{- define "remediation-operator.linksEnabled" -}}
{{- $l := .Values.approval.links }}
{{- if $l.baseUrl }}
{{- if and (not $l.secret) (not $l.existingSecret) }}
{{- fail "approval.links.baseUrl needs approval.links.secret or approval.links.existingSecret (the key that signs the links)" }}
{{- end }}
{{- if eq (int $l.port) 8080 }}
{{- fail "approval.links.port must differ from 8080, the port of /healthz, /readyz and /metrics" }}
{{- end }}
{{- print "true" }}
{{- else if $l.ingress.enabled }}
{{- fail "approval.links.ingress.enabled needs approval.links.baseUrl" }}
{{- end }}
{{- end }}

{{/*
True (non-empty) when the chart's Secret holds the links' signing key.
*/}}
{{- define "remediation-operator.linksSecretInChart" -}}
{{- if and (include "remediation-operator.linksEnabled" .) (not .Values.approval.links.existingSecret) }}true{{ end }}
{{- end }}

{{- define "remediation-operator.linksSecretName" -}}
{{- default (include "remediation-operator.secretName" .) .Values.approval.links.existingSecret }}
{{- end }}

{{- define "remediation-operator.linksSecretKey" -}}
{{- if .Values.approval.links.existingSecret }}{{ .Values.approval.links.existingSecretKey }}{{ else }}approval-link-secret{{ end }}
{{- end }}
