import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS } from '../../src/config.js';

// @cdktf/hcl2json is CommonJS: HCL → the JSON form Terraform itself accepts (expressions as "${…}").
const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json') as { parse: (file: string, text: string) => Promise<Hcl> };

type Block = Record<string, unknown>;
interface Hcl {
  variable?: Record<string, Block[]>;
  output?: Record<string, Block[]>;
  locals?: Block[];
  module?: Record<string, Block[]>;
  resource?: Record<string, Record<string, Block[]>>;
  data?: Record<string, Record<string, Block[]>>;
  terraform?: Array<{ required_providers?: Array<Record<string, { source: string }>> }>;
}

const ROOT = 'infra/terraform';

function tfFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.tf') && !f.includes('.terraform'))
    .map((f) => join(dir, f))
    .sort();
}

/** Every module directory (root and modules/*), with its files parsed and merged. */
interface Module {
  dir: string;
  files: Record<string, Hcl>;
  variables: Record<string, Block>;
  outputs: Record<string, Block>;
  locals: Set<string>;
  modules: Record<string, Block>;
  /** The JSON text of everything: expressions only, no comments. */
  expressions: string;
}

const modules: Record<string, Module> = {};

beforeAll(async () => {
  for (const file of tfFiles(ROOT)) {
    const dir = dirname(file);
    const m = (modules[dir] ??= { dir, files: {}, variables: {}, outputs: {}, locals: new Set(), modules: {}, expressions: '' });
    const hcl = await parse(file, readFileSync(file, 'utf8'));
    m.files[relative(dir, file)] = hcl;
    for (const [k, v] of Object.entries(hcl.variable ?? {})) m.variables[k] = v[0];
    for (const [k, v] of Object.entries(hcl.output ?? {})) m.outputs[k] = v[0];
    for (const block of hcl.locals ?? []) for (const k of Object.keys(block)) m.locals.add(k);
    for (const [k, v] of Object.entries(hcl.module ?? {})) m.modules[k] = v[0];
    m.expressions += JSON.stringify(hcl);
  }
});

const refs = (text: string, kind: string) => new Set([...text.matchAll(new RegExp(`\\b${kind}\\.([A-Za-z_][A-Za-z0-9_-]*)`, 'g'))].map((m) => m[1]));

describe('Terraform', () => {
  it('every .tf file parses as HCL', async () => {
    const files = tfFiles(ROOT);
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) await expect(parse(f, readFileSync(f, 'utf8')), f).resolves.toBeTypeOf('object');
    // A broken file is reported (the check can fail).
    await expect(parse('broken.tf', 'resource "a" "b" {')).rejects.toThrow(/Unclosed configuration block/);
  });

  it('has the root module and modules/vm', () => {
    expect(Object.keys(modules).sort()).toEqual([ROOT, `${ROOT}/dataproc`, `${ROOT}/modules/vm`]);
  });

  it('every var.X is declared in its module, every declared variable is used', () => {
    for (const m of Object.values(modules)) {
      const used = refs(m.expressions, 'var');
      const declared = new Set(Object.keys(m.variables));
      expect([...used].filter((v) => !declared.has(v)), `${m.dir}: undeclared`).toEqual([]);
      expect([...declared].filter((v) => !used.has(v)), `${m.dir}: unused`).toEqual([]);
    }
  });

  it('every variable has a description and a type', () => {
    for (const m of Object.values(modules)) {
      for (const [name, v] of Object.entries(m.variables)) {
        expect(typeof v.description === 'string' && v.description.length > 10, `${m.dir}: var.${name} description`).toBe(true);
        expect(typeof v.type, `${m.dir}: var.${name} type`).toBe('string');
      }
    }
  });

  it('every local.X and module.X referenced is defined', () => {
    for (const m of Object.values(modules)) {
      expect([...refs(m.expressions, 'local')].filter((l) => !m.locals.has(l)), m.dir).toEqual([]);
      expect([...refs(m.expressions, 'module')].filter((x) => !(x in m.modules)), m.dir).toEqual([]);
    }
  });

  it('module calls pass every required variable of the module and nothing it does not declare', () => {
    const root = modules[ROOT];
    expect(Object.keys(root.modules).sort()).toEqual(['mlflow_vm', 'scheduler_vm']);
    for (const [name, call] of Object.entries(root.modules)) {
      const child = modules[join(ROOT, call.source as string)];
      expect(child, `${name}: ${String(call.source)}`).toBeDefined();
      const passed = Object.keys(call).filter((k) => !['source', 'depends_on', 'providers', 'count', 'for_each'].includes(k));
      expect(passed.filter((k) => !(k in child.variables)), `${name} passes unknown`).toEqual([]);
      const required = Object.entries(child.variables).filter(([, v]) => !('default' in v)).map(([k]) => k);
      expect(required.filter((k) => !passed.includes(k)), `${name} misses`).toEqual([]);
    }
  });

  it('requires the yandex-cloud/yandex provider in every module', () => {
    for (const m of Object.values(modules)) {
      const providers = Object.values(m.files).flatMap((f) => (f.terraform ?? []).flatMap((t) => t.required_providers ?? []));
      expect(providers.some((p) => p.yandex?.source === 'yandex-cloud/yandex'), m.dir).toBe(true);
    }
  });

  it('creates the network, storage account and keys, buckets, PostgreSQL and security groups', () => {
    const root = modules[ROOT];
    const resources = Object.values(root.files).flatMap((f) => Object.entries(f.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)));
    expect(resources.sort()).toEqual(
      [
        'random_password.airflow_admin',
        'random_password.mlflow_db',
        'yandex_iam_service_account.storage',
        'yandex_iam_service_account_static_access_key.storage',
        'yandex_mdb_postgresql_cluster.mlflow',
        'yandex_mdb_postgresql_database.mlflow',
        'yandex_mdb_postgresql_user.mlflow',
        'yandex_resourcemanager_folder_iam_member.storage',
        'yandex_storage_bucket.this',
        'yandex_vpc_network.main',
        'yandex_vpc_security_group.mlflow',
        'yandex_vpc_security_group.postgres',
        'yandex_vpc_security_group.scheduler',
        'yandex_vpc_security_group.vm',
        'yandex_vpc_subnet.main',
      ].sort(),
    );
    expect(root.variables.service_account_roles.default).toEqual(['storage.editor']);
    expect(root.variables.create_data_bucket.default).toBe(true);
    // One bucket resource per entry: artifacts always, data only when create_data_bucket.
    const buckets = Object.assign({}, ...Object.values(root.files).flatMap((f) => f.locals ?? [])).buckets as string;
    expect(buckets).toContain('{ artifacts = var.artifacts_bucket_name }');
    expect(buckets).toContain('var.create_data_bucket ? { data = var.data_bucket_name } : {}');
  });

  it('MLflow port 8000 is open only to the scheduler VM group and the admin CIDRs; PostgreSQL only to MLflow; SSH only to admins', () => {
    const root = modules[ROOT];
    const sgs = Object.values(root.files).flatMap((f) => Object.entries(f.resource?.yandex_vpc_security_group ?? {}));
    const byName = Object.fromEntries(sgs.map(([n, [b]]) => [n, b]));
    const ingress = (name: string) => byName[name].ingress as Array<Record<string, unknown>>;
    const on8000 = ingress('mlflow').filter((r) => r.port === 8000);
    expect(on8000.map((r) => r.security_group_id ?? r.v4_cidr_blocks).sort()).toEqual(['${var.admin_cidrs}', '${yandex_vpc_security_group.scheduler.id}'].sort());
    expect(ingress('mlflow')).toHaveLength(2);
    expect(ingress('vm')).toEqual([expect.objectContaining({ port: 22, v4_cidr_blocks: '${var.admin_cidrs}' })]);
    expect(ingress('scheduler')).toEqual([expect.objectContaining({ port: 8080, v4_cidr_blocks: '${var.admin_cidrs}' })]);
    expect(ingress('postgres')).toEqual([expect.objectContaining({ port: 6432, security_group_id: '${yandex_vpc_security_group.mlflow.id}' })]);
    // Nothing is open to the world.
    for (const name of Object.keys(byName)) expect(JSON.stringify(ingress(name)), name).not.toContain('0.0.0.0/0');
    // Each VM gets the shared group and its own; the scheduler VM is in the group MLflow admits.
    expect(root.modules.mlflow_vm.security_group_ids).toEqual(['${yandex_vpc_security_group.vm.id}', '${yandex_vpc_security_group.mlflow.id}']);
    expect(root.modules.scheduler_vm.security_group_ids).toEqual(['${yandex_vpc_security_group.vm.id}', '${yandex_vpc_security_group.scheduler.id}']);
  });

  it('secrets leave only as sensitive outputs; no secret is written in a .tf file', () => {
    const outputs = modules[ROOT].outputs;
    for (const [name, o] of Object.entries(outputs)) {
      const secret = /access_key|secret_key|random_password|fraudctl_env/.test(String(o.value));
      expect(o.sensitive === true, `output ${name}`).toBe(secret);
      expect(typeof o.description, `output ${name} description`).toBe('string');
    }
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['mlflow_url', 'mlflow_vm_ips', 'scheduler_vm_ips', 'artifacts_bucket', 'data_bucket', 's3_access_key_id', 's3_secret_access_key', 'mlflow_db_password']));
    for (const f of tfFiles(ROOT)) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/(password|secret_key|access_key)\s*=\s*"[^$"][^"]*"/);
      expect(text, f).not.toMatch(/\bYC[A-Za-z0-9]{20,}/);
    }
  });

  it('files and templates the configuration reads exist', () => {
    for (const m of Object.values(modules)) {
      const paths = [...m.expressions.matchAll(/(?:file|templatefile|fileset)\(\\"\$\{(path\.module|local\.infra_dir)\}\/([^"\\]+)\\"/g)];
      expect(paths.length, m.dir).toBeGreaterThan(0);
      for (const [, base, rel] of paths) {
        const from = base === 'path.module' ? m.dir : join(ROOT, '..');
        // Paths built from a loop variable (${f}) are checked through their directory.
        const path = join(from, rel.replace(/\/?\$\{f\}$/, ''));
        expect(existsSync(path), path).toBe(true);
      }
    }
  });

  it('terraform.tfvars.example sets only declared variables, and every required one', async () => {
    const example = (await parse('terraform.tfvars.example', readFileSync(join(ROOT, 'terraform.tfvars.example'), 'utf8'))) as Record<string, unknown>;
    const vars = modules[ROOT].variables;
    expect(Object.keys(example).filter((k) => !(k in vars))).toEqual([]);
    const required = Object.entries(vars).filter(([, v]) => !('default' in v)).map(([k]) => k);
    expect(required.filter((k) => !(k in example))).toEqual([]);
  });

  it('fraudctl env files hold only variables fraudctl reads', () => {
    const known = new Set(CONFIG_KEYS.flatMap((k) => k.env ?? []));
    const locals = Object.assign({}, ...Object.values(modules[ROOT].files).flatMap((f) => f.locals ?? [])) as Record<string, string>;
    const keys = ['fraudctl_env', 'fraudctl_vm_env'].flatMap((name) => [...locals[name].matchAll(/\b([A-Z][A-Z0-9_]+)\s*=/g)].map((m) => m[1]));
    expect(keys.sort()).toEqual(['FRAUDCTL_CACHE_DIR', 'FRAUDCTL_LAKE', 'FRAUDCTL_LOG_LEVEL', 'FRAUDCTL_S3_ENDPOINT', 'AWS_REGION', 'MLFLOW_TRACKING_URI', 'MLFLOW_S3_ENDPOINT_URL'].sort());
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
    expect(JSON.stringify(locals.s3_keys)).toMatch(/AWS_ACCESS_KEY_ID[\s\S]*AWS_SECRET_ACCESS_KEY/);
    const example = readFileSync('infra/fraudctl/fraudctl.env.example', 'utf8');
    const exampleKeys = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(exampleKeys).toEqual(expect.arrayContaining(['FRAUDCTL_LAKE', 'MLFLOW_TRACKING_URI', 'MLFLOW_S3_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'FRAUDCTL_CACHE_DIR']));
    expect(exampleKeys.filter((k) => !known.has(k))).toEqual([]);
  });

  it('the cloud-init template renders to a #cloud-config document with the user, files and commands', () => {
    const template = readFileSync(join(ROOT, 'modules/vm/cloud-init.yaml.tftpl'), 'utf8');
    const files = [
      { path: '/etc/mlflow/setup.env', permissions: '0600', content: "PG_PASSWORD='p@ss: \"x\"'\nA=1\n" },
      { path: '/opt/fraudctl-infra/mlflow/setup-mlflow-vm.sh', permissions: '0755', content: '#!/usr/bin/env bash\necho "${HOME}"\n' },
    ];
    const text = renderTemplate(template, { ssh_user: 'fraudops', ssh_public_key: 'ssh-ed25519 AAAA key: with colon', files, commands: ['/opt/x/setup.sh /etc/mlflow/setup.env'] });
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parseYaml(text) as { users: Array<Record<string, unknown>>; write_files: Array<Record<string, string>>; runcmd: string[] };
    expect(doc.users).toEqual([expect.objectContaining({ name: 'fraudops', ssh_authorized_keys: ['ssh-ed25519 AAAA key: with colon'], sudo: 'ALL=(ALL) NOPASSWD:ALL' })]);
    expect(doc.write_files.map((f) => ({ path: f.path, permissions: f.permissions, content: Buffer.from(f.content, 'base64').toString('utf8') }))).toEqual(files);
    expect(doc.write_files.every((f) => f.encoding === 'b64')).toBe(true);
    expect(doc.runcmd).toEqual(['/opt/x/setup.sh /etc/mlflow/setup.env']);
  });
});

/**
 * Terraform's templatefile for the constructs this template uses: ${jsonencode(x)},
 * ${base64encode(x.y)}, ${name} and %{ for v in list ~} … %{ endfor ~} (`~` strips the newline
 * on that side). Anything else throws, so a new construct in the template needs a look here.
 */
function renderTemplate(template: string, vars: Record<string, unknown>): string {
  const value = (expr: string, scope: Record<string, unknown>): unknown =>
    expr.split('.').reduce<unknown>((o, k) => {
      if (o === null || typeof o !== 'object' || !(k in o)) throw new Error(`template: unknown ${expr}`);
      return (o as Record<string, unknown>)[k];
    }, scope);
  const interpolate = (text: string, scope: Record<string, unknown>) =>
    text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
      const call = /^(\w+)\(([\w.]+)\)$/.exec(inner.trim());
      if (!call) return String(value(inner.trim(), scope));
      const v = value(call[2], scope);
      if (call[1] === 'jsonencode') return JSON.stringify(v);
      if (call[1] === 'base64encode') return Buffer.from(String(v), 'utf8').toString('base64');
      throw new Error(`template: unsupported function ${call[1]}`);
    });
  const stripped = template.replace(/(%\{[^}]*~\})\n/g, '$1');
  const loop = /%\{ for (\w+) in (\w+) ~\}([\s\S]*?)%\{ endfor ~\}/g;
  const expanded = stripped.replace(loop, (_, name: string, list: string, body: string) =>
    (value(list, vars) as unknown[]).map((item) => interpolate(body, { ...vars, [name]: item })).join(''),
  );
  if (expanded.includes('%{')) throw new Error('template: unsupported directive');
  return interpolate(expanded, vars);
}
