#!/usr/bin/env node
// Schema-checks rendered Kubernetes manifests (e.g. `helm template … | node scripts/validate-manifests.mjs`).
//
//   node scripts/validate-manifests.mjs [--env-schema src/config/config.schema.ts] [file…]   (stdin without files)
//
// Every object is validated against the Kubernetes OpenAPI schema shipped in kubernetes-models (types, required
// fields, formats; unknown fields are NOT detected). ServiceMonitor (monitoring.coreos.com, not in kubernetes-models)
// gets a minimal structural check here. On top of that a few invariants of this chart are asserted (non-root,
// read-only root filesystem, no service-account token, probes, checksum annotation, drain bound).
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
  const missing = variables.filter((v) => !set.has(v) && !set.has(`${v}_FILE`));
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
