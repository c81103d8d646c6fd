#!/usr/bin/env node
// Schema-checks rendered Kubernetes manifests (e.g. `helm template … | node scripts/validate-manifests.mjs`).
//
//   node scripts/validate-manifests.mjs [--env-schema src/config/config.schema.ts] [file…]   (stdin without files)
//
// Every object is validated against the Kubernetes OpenAPI schema shipped in kubernetes-models (types, required
// fields, formats; unknown fields are NOT detected). ServiceMonitor and PrometheusRule (monitoring.coreos.com, not in
// kubernetes-models) get a minimal structural check here (promtool checks the rules' PromQL: scripts/lint-alerts.sh).
// On top of that a few invariants of this chart are asserted (non-root, read-only root filesystem, no
// service-account token, probes, checksum annotation, drain bound, DATABASE_URL and REDIS_URL never from an optional
// Secret key, the migration hook Job covered by a hook NetworkPolicy created before it, the ServiceMonitor's port on
// the Service).
// With --env-schema, every variable of the zod env schema must be set by the rendered ConfigMap or the Deployment's
// env (as NAME or NAME_FILE): run it on a render with every value filled in.
// Exit status 1 on any problem.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
let envSchemaPath;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--env-schema') {
    envSchemaPath = args[++i];
  } else {
    files.push(args[i]);
  }
}

const sources =
  files.length > 0 ? files.map((f) => [f, readFileSync(f, 'utf8')]) : [['<stdin>', readFileSync(0, 'utf8')]];

const problems = [];
const counts = new Map();
const seen = new Set();
const objects = [];

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** kubernetes-models class for an apiVersion/kind, or undefined when the package has none. */
function modelFor(apiVersion, kind) {
  const path = apiVersion.includes('/') ? apiVersion : `v1`;
  const file = apiVersion.includes('/') ? `kubernetes-models/${path}/${kind}` : `kubernetes-models/v1/${kind}`;
  try {
    return require(file)[kind];
  } catch {
    return undefined;
  }
}

function validateServiceMonitor(doc, where) {
  const spec = doc.spec;
  const err = (m) => problems.push(`${where}: ${m}`);
  if (doc.apiVersion !== 'monitoring.coreos.com/v1') {
    err(`apiVersion must be monitoring.coreos.com/v1`);
  }
  if (!spec || typeof spec !== 'object') {
    return err('spec is required');
  }
  if (!spec.selector || typeof spec.selector !== 'object' || Array.isArray(spec.selector)) {
    err('spec.selector must be an object');
  } else if (spec.selector.matchLabels !== undefined) {
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) {
      if (typeof v !== 'string') {
        err(`spec.selector.matchLabels.${k} must be a string`);
      }
    }
  }
  if (spec.namespaceSelector !== undefined) {
    const ns = spec.namespaceSelector;
    if (
      ns.matchNames !== undefined &&
      !(Array.isArray(ns.matchNames) && ns.matchNames.every((n) => typeof n === 'string'))
    ) {
      err('spec.namespaceSelector.matchNames must be a list of strings');
    }
  }
  if (spec.jobLabel !== undefined && typeof spec.jobLabel !== 'string') {
    err('spec.jobLabel must be a string');
  }
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) {
    return err('spec.endpoints must be a non-empty list');
  }
  const known = new Set([
    'port',
    'targetPort',
    'path',
    'scheme',
    'interval',
    'scrapeTimeout',
    'honorLabels',
    'honorTimestamps',
    'relabelings',
    'metricRelabelings',
    'params',
    'bearerTokenSecret',
    'basicAuth',
    'authorization',
    'oauth2',
    'tlsConfig',
    'followRedirects',
    'enableHttp2',
    'proxyUrl',
    'filterRunning',
    'trackTimestampsStaleness',
  ]);
  spec.endpoints.forEach((ep, i) => {
    const at = `spec.endpoints[${i}]`;
    for (const key of Object.keys(ep)) {
      if (!known.has(key)) {
        err(`${at}.${key} is not a ServiceMonitor endpoint field`);
      }
    }
    if (ep.port === undefined && ep.targetPort === undefined) {
      err(`${at} needs port or targetPort`);
    }
    if (ep.port !== undefined && typeof ep.port !== 'string') {
      err(`${at}.port must be a string (a Service port name)`);
    }
    if (ep.path !== undefined && !(typeof ep.path === 'string' && ep.path.startsWith('/'))) {
      err(`${at}.path must start with /`);
    }
    for (const d of ['interval', 'scrapeTimeout']) {
      if (ep[d] !== undefined && !(typeof ep[d] === 'string' && DURATION.test(ep[d]))) {
        err(`${at}.${d} must be a Prometheus duration`);
      }
    }
    if (ep.honorLabels !== undefined && typeof ep.honorLabels !== 'boolean') {
      err(`${at}.honorLabels must be a boolean`);
    }
    for (const r of ['relabelings', 'metricRelabelings']) {
      if (ep[r] !== undefined && !(Array.isArray(ep[r]) && ep[r].every((x) => x && typeof x === 'object'))) {
        err(`${at}.${r} must be a list of objects`);
      }
    }
  });
}

function validatePrometheusRule(doc, where) {
  const err = (m) => problems.push(`${where}: ${m}`);
  if (doc.apiVersion !== 'monitoring.coreos.com/v1') {
    err('apiVersion must be monitoring.coreos.com/v1');
  }
  const groups = doc.spec?.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    return err('spec.groups must be a non-empty list');
  }
  const strings = (o, at) => {
    if (o === undefined) {
      return;
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      return err(`${at} must be a map`);
    }
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'string') {
        err(`${at}.${k} must be a string`);
      }
    }
  };
  groups.forEach((g, i) => {
    const at = `spec.groups[${i}]`;
    if (typeof g.name !== 'string' || g.name === '') {
      err(`${at}.name is required`);
    }
    if (!Array.isArray(g.rules) || g.rules.length === 0) {
      return err(`${at}.rules must be a non-empty list`);
    }
    g.rules.forEach((r, j) => {
      const rat = `${at}.rules[${j}]`;
      if ((r.alert === undefined) === (r.record === undefined)) {
        err(`${rat} needs exactly one of alert and record`);
      }
      if (typeof r.expr !== 'string' || r.expr.trim() === '') {
        err(`${rat}.expr must be a non-empty string`);
      }
      if (r.for !== undefined && !(typeof r.for === 'string' && DURATION.test(r.for))) {
        err(`${rat}.for must be a Prometheus duration`);
      }
      strings(r.labels, `${rat}.labels`);
      strings(r.annotations, `${rat}.annotations`);
      if (r.alert !== undefined && !(r.annotations?.runbook_url || r.annotations?.runbook)) {
        err(`${rat} (${r.alert}) has no runbook annotation`);
      }
    });
  });
}

/** Invariants of this chart's pods (application, migration Job, helm test). */
function checkPodSpec(podSpec, where, { app }) {
  const err = (m) => problems.push(`${where}: ${m}`);
  if (podSpec.automountServiceAccountToken !== false) {
    err('automountServiceAccountToken must be false');
  }
  for (const c of podSpec.containers ?? []) {
    const sc = { ...(podSpec.securityContext ?? {}), ...(c.securityContext ?? {}) };
    if (sc.runAsNonRoot !== true) {
      err(`container ${c.name}: runAsNonRoot must be true`);
    }
    if (c.securityContext?.readOnlyRootFilesystem !== true) {
      err(`container ${c.name}: readOnlyRootFilesystem must be true`);
    }
    if (c.securityContext?.allowPrivilegeEscalation !== false) {
      err(`container ${c.name}: allowPrivilegeEscalation must be false`);
    }
  }
  if (!app) {
    return;
  }
  const c = podSpec.containers?.[0];
  if (!c) {
    return err('no container');
  }
  const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
  const emptyDirs = new Set((podSpec.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
  if (!emptyDirs.has(mounts.get('/tmp'))) {
    err('/tmp must be an emptyDir');
  }
  if (![...mounts.values()].some((n) => n === 'spool' && emptyDirs.has(n))) {
    err('the spool emptyDir (SPOOL_DIR) is not mounted');
  }
  if (!(podSpec.terminationGracePeriodSeconds > 25)) {
    err("terminationGracePeriodSeconds must be above the application's 25 s drain");
  }
  const probePath = (p) => p?.httpGet?.path;
  if (c.livenessProbe && probePath(c.livenessProbe) !== '/health/live') {
    err('livenessProbe must GET /health/live');
  }
  if (c.readinessProbe && probePath(c.readinessProbe) !== '/health/ready') {
    err('readinessProbe must GET /health/ready');
  }
}

for (const [name, text] of sources) {
  const docs = parseAllDocuments(text);
  docs.forEach((d, i) => {
    const where0 = `${name}#${i}`;
    if (d.errors.length > 0) {
      problems.push(`${where0}: YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return;
    }
    const doc = d.toJS();
    if (doc === null || doc === undefined) {
      return;
    }
    const { apiVersion, kind } = doc;
    const objName = doc.metadata?.name;
    const where = `${kind ?? '?'}/${objName ?? '?'}`;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push(`${where0}: apiVersion and kind are required`);
      return;
    }
    if (typeof objName !== 'string' || objName.length > 253 || !DNS_SUBDOMAIN.test(objName)) {
      problems.push(`${where}: metadata.name must be a DNS subdomain`);
    }
    if (['Service', 'Deployment', 'Pod', 'Job', 'ServiceAccount'].includes(kind) && objName?.length > 63) {
      problems.push(`${where}: metadata.name longer than 63 characters`);
    }
    const labels = { ...doc.metadata?.labels, ...doc.spec?.template?.metadata?.labels };
    for (const [k, v] of Object.entries(labels)) {
      const [prefix, keyName] = k.includes('/') ? k.split('/', 2) : [undefined, k];
      if (
        keyName.length > 63 ||
        !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(keyName) ||
        (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
      ) {
        problems.push(`${where}: invalid label key ${k}`);
      }
      if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
        problems.push(`${where}: label ${k} has an invalid value ${JSON.stringify(v)}`);
      }
    }
    const key = `${apiVersion} ${kind} ${doc.metadata?.namespace ?? ''} ${objName}`;
    if (seen.has(key)) {
      problems.push(`${where}: rendered twice`);
    }
    seen.add(key);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    objects.push(doc);

    if (apiVersion === 'monitoring.coreos.com/v1' && kind === 'ServiceMonitor') {
      validateServiceMonitor(doc, where);
      return;
    }
    if (apiVersion === 'monitoring.coreos.com/v1' && kind === 'PrometheusRule') {
      validatePrometheusRule(doc, where);
      return;
    }
    const Model = modelFor(apiVersion, kind);
    if (!Model) {
      problems.push(`${where}: no schema for ${apiVersion} ${kind}`);
      return;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      const details = Array.isArray(e.errors)
        ? e.errors.map((x) => `${x.instancePath || '/'} ${x.message}`).join('; ')
        : String(e.message ?? e);
      problems.push(`${where}: ${details}`);
    }

    if (kind === 'Deployment') {
      checkPodSpec(doc.spec?.template?.spec ?? {}, where, { app: true });
      if (!doc.spec?.template?.metadata?.annotations?.['checksum/config']) {
        problems.push(`${where}: pod template lacks the checksum/config annotation`);
      }
    } else if (kind === 'Job') {
      checkPodSpec(doc.spec?.template?.spec ?? {}, where, { app: false });
    } else if (kind === 'Pod') {
      checkPodSpec(doc.spec ?? {}, where, { app: false });
    }
  });
}

// Cross-object invariants.
const podSpecs = objects.flatMap((o) =>
  o.kind === 'Deployment' || o.kind === 'Job' ? [[`${o.kind}/${o.metadata.name}`, o.spec.template]] : [],
);
for (const [where, template] of podSpecs) {
  for (const c of template.spec?.containers ?? []) {
    const env = c.env ?? [];
    for (const e of env) {
      if (e.valueFrom?.secretKeyRef?.optional === true) {
        problems.push(`${where}: ${e.name} comes from an optional Secret key (a missing key must stop the pod)`);
      }
    }
    if (!env.some((e) => e.name === 'DATABASE_URL')) {
      problems.push(`${where}: container ${c.name} gets no DATABASE_URL`);
    }
    if (where.startsWith('Deployment') && !env.some((e) => e.name === 'REDIS_URL')) {
      problems.push(`${where}: container ${c.name} gets no REDIS_URL`);
    }
  }
}
const hookOf = (o) => o.metadata?.annotations?.['helm.sh/hook'];
const weightOf = (o) => Number(o.metadata?.annotations?.['helm.sh/hook-weight'] ?? 0);
const selects = (policy, labels) =>
  Object.entries(policy.spec?.podSelector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
if (policies.length > 0) {
  for (const job of objects.filter((o) => o.kind === 'Job' && hookOf(o)?.includes('pre-install'))) {
    // A pre-install hook runs before the release's regular objects exist: only a hook policy created before it
    // covers its pod on a first install.
    const cover = policies.find(
      (p) =>
        hookOf(p)?.includes('pre-install') &&
        weightOf(p) < weightOf(job) &&
        selects(p, job.spec.template.metadata?.labels),
    );
    if (!cover) {
      problems.push(`Job/${job.metadata.name}: no pre-install hook NetworkPolicy of lower weight selects its pod`);
    }
  }
  for (const p of policies.filter((x) => !hookOf(x))) {
    for (const job of objects.filter((o) => o.kind === 'Job')) {
      if (selects(p, job.spec.template.metadata?.labels)) {
        problems.push(`NetworkPolicy/${p.metadata.name} also selects the migration pods: keep it to the application`);
      }
    }
  }
}
for (const sm of objects.filter((o) => o.kind === 'ServiceMonitor')) {
  const svc = objects.find((o) => o.kind === 'Service');
  for (const ep of sm.spec?.endpoints ?? []) {
    if (svc && ep.port && !(svc.spec?.ports ?? []).some((p) => p.name === ep.port)) {
      problems.push(
        `ServiceMonitor/${sm.metadata.name}: port ${ep.port} is not a port of Service/${svc.metadata.name}`,
      );
    }
  }
}

if (envSchemaPath) {
  // The variables are the top-level keys of `envSchema = z.object({ … })`.
  const source = readFileSync(envSchemaPath, 'utf8');
  const body = source.slice(source.indexOf('z.object({'), source.indexOf('\n});', source.indexOf('z.object({')));
  const variables = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]);
  if (variables.length < 10) {
    problems.push(`${envSchemaPath}: found only ${variables.length} variables; has the schema's shape changed?`);
  }
  const set = new Set();
  for (const o of objects) {
    if (o.kind === 'ConfigMap') {
      Object.keys(o.data ?? {}).forEach((k) => set.add(k));
    }
    if (o.kind === 'Deployment') {
      for (const c of o.spec?.template?.spec?.containers ?? []) {
        (c.env ?? []).forEach((e) => set.add(e.name));
      }
    }
  }
  // Baked into the image at build time (Dockerfile `ARG GIT_COMMIT`), not a deployment's choice.
  const setByImage = new Set(['GIT_COMMIT']);
  const missing = variables.filter((v) => !set.has(v) && !set.has(`${v}_FILE`) && !setByImage.has(v));
  if (missing.length > 0) {
    problems.push(`not set by the rendered chart (no values key reaches them?): ${missing.join(', ')}`);
  } else {
    console.log(`env coverage: all ${variables.length} variables of ${envSchemaPath} are set`);
  }
}

const summary = [...counts.entries()].map(([k, n]) => `${k}×${n}`).join(', ');
if (problems.length > 0) {
  for (const p of problems) {
    console.error(`  ✗ ${p}`);
  }
  console.error(`${problems.length} problem(s) in ${objects.length} object(s) (${summary})`);
  process.exit(1);
}
console.log(`${objects.length} object(s) valid: ${summary}`);
