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
The image reference: [registry/]repository(@digest|:tag), tag defaulting to the appVersion; global.imageRegistry
wins over image.registry (as in Bitnami's charts).
*/}}
{{- define "brreg-efm-bridge.image" -}}
{{- $repo := .Values.image.repository }}
{{- $registry := default .Values.image.registry ((.Values.global | default dict).imageRegistry) }}
{{- if $registry }}
{{- $repo = printf "%s/%s" $registry .Values.image.repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "brreg-efm-bridge.imagePullSecrets" -}}
{{- with concat (((.Values.global | default dict).imagePullSecrets) | default list) .Values.image.pullSecrets | uniq -}}
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

{{/* The variables that come from secrets.* as env (secretKeyRef). */}}
{{- define "brreg-efm-bridge.secretEnvNames" -}}
DATABASE_URL REDIS_URL MASKINPORTEN_PKCS12_PASSWORD EFM_PASSWORD EFM_WEBHOOK_SECRET ADMIN_PASSWORD REDIS_SENTINEL_PASSWORD
{{- end }}

{{/*
The key of a variable in secrets.* ("" when it is not there): with secrets.existingSecret the mapped key,
else the variable's own name when secrets.env has a value.
*/}}
{{- define "brreg-efm-bridge.secretKeyOf" -}}
{{- $ctx := .ctx }}
{{- if $ctx.Values.secrets.existingSecret }}
{{- get (default dict $ctx.Values.secrets.existingSecretKeys) .name }}
{{- else if get $ctx.Values.secrets.env .name }}
{{- .name }}
{{- end }}
{{- end }}

{{/*
env entries for DATABASE_URL: from database.existingSecret (the URL key, or the password key with the URL
assembled from database.* and PGPASSWORD/PGUSER), else from secrets.* (the chart's Secret, or secretName when
given: the migration hook's own Secret). Never optional: a missing key must stop the pod, not let the
application fall back to its localhost default.
*/}}
{{- define "brreg-efm-bridge.databaseEnv" -}}
{{- $ctx := .ctx }}
{{- $db := $ctx.Values.database }}
{{- if $db.existingSecret }}
{{- if $db.existingSecretUriKey }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret | quote }}
      key: {{ $db.existingSecretUriKey | quote }}
{{- else }}
{{- if $db.existingSecretUserKey }}
- name: PGUSER
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret | quote }}
      key: {{ $db.existingSecretUserKey | quote }}
{{- end }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret | quote }}
      key: {{ $db.existingSecretPasswordKey | quote }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s%s:%s/%s%s" (ternary "" (printf "%s@" (urlquery $db.user)) (not (empty $db.existingSecretUserKey))) $db.host (include "brreg-efm-bridge.envString" $db.port) (urlquery $db.name) (ternary (printf "?%s" $db.urlParameters) "" (not (empty $db.urlParameters))) | quote }}
{{- end }}
{{- else }}
{{- $key := include "brreg-efm-bridge.secretKeyOf" (dict "ctx" $ctx "name" "DATABASE_URL") }}
{{- if $key }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "brreg-efm-bridge.secretName" $ctx) .secretName | quote }}
      key: {{ $key | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
env entries for REDIS_URL: from redis.existingSecret (the URL key, or the password key put into a URL by
Kubernetes' $(VAR) expansion), else from secrets.*.
*/}}
{{- define "brreg-efm-bridge.redisEnv" -}}
{{- $ctx := .ctx }}
{{- $r := $ctx.Values.redis }}
{{- if $r.existingSecret }}
{{- if $r.existingSecretUriKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $r.existingSecret | quote }}
      key: {{ $r.existingSecretUriKey | quote }}
{{- else }}
- name: BRIDGE_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $r.existingSecret | quote }}
      key: {{ $r.existingSecretPasswordKey | quote }}
- name: REDIS_URL
  value: {{ printf "%s://:$(BRIDGE_REDIS_PASSWORD)@%s:%s/%s" (ternary "rediss" "redis" $r.tls) $r.host (include "brreg-efm-bridge.envString" $r.port) (include "brreg-efm-bridge.envString" $r.db) | quote }}
{{- end }}
{{- else }}
{{- $key := include "brreg-efm-bridge.secretKeyOf" (dict "ctx" $ctx "name" "REDIS_URL") }}
{{- if $key }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "brreg-efm-bridge.secretName" $ctx | quote }}
      key: {{ $key | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* env entries of the application: DATABASE_URL, REDIS_URL and the passwords. */}}
{{- define "brreg-efm-bridge.secretEnv" -}}
{{- $ctx := .ctx }}
{{- include "brreg-efm-bridge.databaseEnv" (dict "ctx" $ctx) }}
{{- include "brreg-efm-bridge.redisEnv" (dict "ctx" $ctx) }}
{{- range (list "MASKINPORTEN_PKCS12_PASSWORD" "EFM_PASSWORD" "EFM_WEBHOOK_SECRET" "ADMIN_PASSWORD" "REDIS_SENTINEL_PASSWORD") }}
{{- $key := include "brreg-efm-bridge.secretKeyOf" (dict "ctx" $ctx "name" .) }}
{{- if $key }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "brreg-efm-bridge.secretName" $ctx | quote }}
      key: {{ $key | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Fails the render naming every required value that is missing (as Bitnami's charts do), so a bad install stops at
`helm install`/`template` rather than in a crash-looping pod or a hook later.
*/}}
{{- define "brreg-efm-bridge.validateValues" -}}
{{- $v := .Values }}
{{- $missing := list }}
{{- if not $v.config.MASKINPORTEN_CLIENT_ID }}
{{- $missing = append $missing "config.MASKINPORTEN_CLIENT_ID (the integration's client id in Maskinporten)" }}
{{- end }}
{{- if not $v.config.EFM_SENDER_ORGNR }}
{{- $missing = append $missing "config.EFM_SENDER_ORGNR (our 9-digit organisation number)" }}
{{- end }}
{{- if $v.database.existingSecret }}
{{- if not (or $v.database.existingSecretUriKey $v.database.existingSecretPasswordKey) }}
{{- $missing = append $missing "database.existingSecretUriKey or database.existingSecretPasswordKey (which key of database.existingSecret holds the URL or the password)" }}
{{- else if and (not $v.database.existingSecretUriKey) (not $v.database.host) }}
{{- $missing = append $missing "database.host (with database.existingSecretPasswordKey the URL is assembled from database.*)" }}
{{- end }}
{{- else if not (include "brreg-efm-bridge.secretKeyOf" (dict "ctx" . "name" "DATABASE_URL")) }}
{{- $missing = append $missing "secrets.env.DATABASE_URL, database.existingSecret or secrets.existingSecret with secrets.existingSecretKeys.DATABASE_URL (where DATABASE_URL comes from)" }}
{{- end }}
{{- if $v.redis.existingSecret }}
{{- if not (or $v.redis.existingSecretUriKey $v.redis.existingSecretPasswordKey) }}
{{- $missing = append $missing "redis.existingSecretUriKey or redis.existingSecretPasswordKey (which key of redis.existingSecret holds the URL or the password)" }}
{{- else if and (not $v.redis.existingSecretUriKey) (not $v.redis.host) }}
{{- $missing = append $missing "redis.host (with redis.existingSecretPasswordKey the URL is assembled from redis.*)" }}
{{- end }}
{{- else if not (include "brreg-efm-bridge.secretKeyOf" (dict "ctx" . "name" "REDIS_URL")) }}
{{- $missing = append $missing "secrets.env.REDIS_URL, redis.existingSecret or secrets.existingSecret with secrets.existingSecretKeys.REDIS_URL (where REDIS_URL comes from)" }}
{{- end }}
{{- $extraKeys := false }}
{{- range $v.extraEnvVars }}{{ if hasPrefix "MASKINPORTEN_" (toString .name) }}{{ $extraKeys = true }}{{ end }}{{ end }}
{{- if not (or (fromYamlArray (include "brreg-efm-bridge.keyFiles" .)) $extraKeys $v.extraEnvVarsSecret) }}
{{- $missing = append $missing "keyMaterial.privateKey/certificate/pkcs12/jwk or keyMaterial.existingSecret with keyMaterial.existingSecretKeys (the Maskinporten key; or MASKINPORTEN_* through extraEnvVars/extraEnvVarsSecret)" }}
{{- end }}
{{- if and $v.config.EFM_WEBHOOK_BASE_URL (not (include "brreg-efm-bridge.secretKeyOf" (dict "ctx" . "name" "EFM_WEBHOOK_SECRET"))) }}
{{- $missing = append $missing "secrets.env.EFM_WEBHOOK_SECRET or secrets.existingSecretKeys.EFM_WEBHOOK_SECRET (required with config.EFM_WEBHOOK_BASE_URL)" }}
{{- end }}
{{- if and $v.config.ADMIN_USERNAME (not (include "brreg-efm-bridge.secretKeyOf" (dict "ctx" . "name" "ADMIN_PASSWORD"))) }}
{{- $missing = append $missing "secrets.env.ADMIN_PASSWORD or secrets.existingSecretKeys.ADMIN_PASSWORD (required with config.ADMIN_USERNAME)" }}
{{- end }}
{{- if and (trim (toString (default "" $v.config.REDIS_SENTINELS))) (not (trim (toString (default "" $v.config.REDIS_SENTINEL_MASTER)))) }}
{{- $missing = append $missing "config.REDIS_SENTINEL_MASTER (the master group name; required with config.REDIS_SENTINELS)" }}
{{- end }}
{{- if $missing }}
{{- fail (printf "\n\nbrreg-efm-bridge: required values are missing:\n  - %s\n" (join "\n  - " $missing)) }}
{{- end }}
{{- end }}

{{/* The port name /metrics, /admin and /queues are served on. */}}
{{- define "brreg-efm-bridge.managementPortName" -}}
{{- ternary "management" "http" (not (empty .Values.containerPorts.management)) }}
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

{{/*
An alert's labels and the start of its annotations (the runbook); the caller adds summary and description at
the same indentation. Usage: include "brreg-efm-bridge.ruleMeta" (dict "ctx" $ "alert" "Name" "severity" "warning")
*/}}
{{- define "brreg-efm-bridge.ruleMeta" -}}
{{- $pr := .ctx.Values.metrics.prometheusRule }}
labels:
  severity: {{ .severity | quote }}
  {{- with $pr.additionalRuleLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  runbook: {{ printf "README.md, \"Alerts and runbook\", %s (#%s)" .alert (lower .alert) | quote }}
  {{- with $pr.runbookUrl }}
  runbook_url: {{ printf "%s#%s" . (lower $.alert) | quote }}
  {{- end }}
{{- end }}
