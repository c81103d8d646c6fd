{{/*
Expand the name of the chart.
*/}}
{{- define "brreg-efm-bridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name, truncated at 63 characters (DNS label limit).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "brreg-efm-bridge.fullname" -}}
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

{{/*
Name of a derived object: <fullname>-<suffix>, still within 63 characters.
Usage: include "brreg-efm-bridge.suffixed" (list . "keys")
*/}}
{{- define "brreg-efm-bridge.suffixed" -}}
{{- $ctx := index . 0 }}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "brreg-efm-bridge.fullname" $ctx | trunc (int (sub 62 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "brreg-efm-bridge.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "brreg-efm-bridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels (every object).
*/}}
{{- define "brreg-efm-bridge.labels" -}}
helm.sh/chart: {{ include "brreg-efm-bridge.chart" . }}
{{ include "brreg-efm-bridge.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: brreg-efm-bridge
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: name + instance. The NetworkPolicy selects on these alone (application and migration
pods); the Deployment and the Service add the component label so that they never select the Job's pods.
*/}}
{{- define "brreg-efm-bridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "brreg-efm-bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "brreg-efm-bridge.appSelectorLabels" -}}
{{ include "brreg-efm-bridge.selectorLabels" . }}
app.kubernetes.io/component: bridge
{{- end }}

{{/*
metadata.annotations (commonAnnotations + extra), indented for metadata at column 2; nothing when empty.
Usage: {{- include "brreg-efm-bridge.annotations" (dict "ctx" . "extra" .Values.x.annotations) }}
*/}}
{{- define "brreg-efm-bridge.annotations" -}}
{{- $all := merge (deepCopy (default (dict) .extra)) (deepCopy (default (dict) .ctx.Values.commonAnnotations)) }}
{{- with $all }}
  annotations:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the application pods use.
*/}}
{{- define "brreg-efm-bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "brreg-efm-bridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: [registry/]repository(@digest|:tag), tag defaulting to the appVersion.
*/}}
{{- define "brreg-efm-bridge.image" -}}
{{- $repo := .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repo = printf "%s/%s" .Values.image.registry .Values.image.repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "brreg-efm-bridge.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
An environment value as a string. YAML numbers reach templates as float64 (or int64 from --set), and
"%v" of a large float64 gives exponent notation (8.64e+07), so numbers are printed as integers.
*/}}
{{- define "brreg-efm-bridge.envString" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) }}
{{- printf "%d" (int64 .) }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{- define "brreg-efm-bridge.configMapName" -}}
{{- include "brreg-efm-bridge.fullname" . }}
{{- end }}

{{/*
The Secret the secret environment variables come from (existing or the chart's).
*/}}
{{- define "brreg-efm-bridge.secretName" -}}
{{- default (include "brreg-efm-bridge.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The variables that come from the Secret as env (secretKeyRef). */}}
{{- define "brreg-efm-bridge.secretEnvNames" -}}
DATABASE_URL REDIS_URL MASKINPORTEN_PKCS12_PASSWORD EFM_PASSWORD EFM_WEBHOOK_SECRET ADMIN_PASSWORD
{{- end }}

{{/*
env entries for the secret variables. With an existing Secret every variable is referenced as optional
(a key it lacks leaves the variable unset); with the chart's Secret only the non-empty ones are.
Usage: include "brreg-efm-bridge.secretEnv" (dict "ctx" . "only" (list "DATABASE_URL") "secretName" "x")
*/}}
{{- define "brreg-efm-bridge.secretEnv" -}}
{{- $ctx := .ctx }}
{{- $names := default (splitList " " (include "brreg-efm-bridge.secretEnvNames" $ctx)) .only }}
{{- $secretName := default (include "brreg-efm-bridge.secretName" $ctx) .secretName }}
{{- range $names }}
{{- if or $ctx.Values.secrets.existingSecret (get $ctx.Values.secrets.env .) }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName | quote }}
      key: {{ . }}
      optional: {{ not (empty $ctx.Values.secrets.existingSecret) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Key material: file name in the mount -> (variable, inline value, key in an existing Secret).
Renders a YAML list of {file, env, key} for the files that are present.
*/}}
{{- define "brreg-efm-bridge.keyFiles" -}}
{{- $km := .Values.keyMaterial }}
{{- $specs := list
  (dict "field" "privateKey" "file" "private-key.pem" "env" "MASKINPORTEN_PRIVATE_KEY_FILE")
  (dict "field" "certificate" "file" "certificate.pem" "env" "MASKINPORTEN_CERTIFICATE_FILE")
  (dict "field" "pkcs12" "file" "keystore.p12" "env" "MASKINPORTEN_PKCS12_FILE")
  (dict "field" "jwk" "file" "jwk.json" "env" "MASKINPORTEN_JWK_FILE") }}
{{- $out := list }}
{{- range $specs }}
{{- if $km.existingSecret }}
{{- $key := get $km.existingSecretKeys .field }}
{{- if $key }}
{{- $out = append $out (dict "file" .file "env" .env "key" $key "field" .field) }}
{{- end }}
{{- else if get $km .field }}
{{- $out = append $out (dict "file" .file "env" .env "key" .file "field" .field) }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{- define "brreg-efm-bridge.keySecretName" -}}
{{- default (include "brreg-efm-bridge.suffixed" (list . "keys")) .Values.keyMaterial.existingSecret }}
{{- end }}

{{/*
Pod and container security contexts, without the chart's `enabled` switch.
*/}}
{{- define "brreg-efm-bridge.podSecurityContext" -}}
{{- if .Values.podSecurityContext.enabled -}}
securityContext:
  {{- toYaml (omit .Values.podSecurityContext "enabled") | nindent 2 }}
{{- end }}
{{- end }}

{{- define "brreg-efm-bridge.containerSecurityContext" -}}
{{- if .Values.containerSecurityContext.enabled -}}
securityContext:
  {{- toYaml (omit .Values.containerSecurityContext "enabled") | nindent 2 }}
{{- end }}
{{- end }}

{{/*
An HTTP probe on the application's port.
Usage: include "brreg-efm-bridge.httpProbe" (dict "probe" .Values.livenessProbe "path" "/health/live")
*/}}
{{- define "brreg-efm-bridge.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
{{ toYaml (omit .probe "enabled") }}
{{- end }}
