import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { allCommands } from '../../src/cli/commands';
import { projectRoot } from '../../src/dev/project-root';
import { SEARCH_ATTRIBUTE_TYPES } from '../../src/contracts/search-attributes';

/**
 * docker-compose.yml and the Dockerfile, read as data (no Docker engine runs here): the services a production-
 * like stack needs, pinned images, ports, start order, volumes, the worker's environment, the search
 * attributes, and a worker image that builds what the compose file runs.
 */
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}

const root = projectRoot();
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const dockerfile = read('Dockerfile');

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Temporal on it, the Temporal UI, an init service and the workers', () => {
    expect(Object.keys(services).sort()).toEqual(['emulator', 'longhaul', 'postgresql', 'prometheus', 's3', 'stores-init', 'temporal', 'temporal-init', 'temporal-schema', 'temporal-ui', 'worker']);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', DB_PORT: '5432' });
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services['temporal-init']!.image).toMatch(/^temporalio\/admin-tools:/);
  });

  it('pins every image to an exact version, never latest', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?$/) });
    }
    expect(read('docker-compose.yml')).not.toMatch(/:latest\b/);
    for (const from of dockerfile.match(/^FROM \S+/gm)!) expect(from).toMatch(/^FROM node:20\.\d+\.\d+-[a-z-]+$/);
  });

  it('publishes the Temporal frontend and UI ports, and the worker metrics port inside the network', () => {
    expect(services.temporal!.ports).toEqual(['7233:7233']);
    expect(services['temporal-ui']!.ports).toEqual(['8080:8080']);
    expect(services.worker!.expose).toEqual(['9464']);
    expect(services.worker!.ports).toBeUndefined(); // several replicas cannot share a host port
  });

  it('starts in order: database healthy, schema done, server healthy, namespace ready, then workers', () => {
    expect(services['temporal-schema']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(services.temporal!.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(services['temporal-init']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services['temporal-ui']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services.worker!.depends_on).toEqual({ 'temporal-init': { condition: 'service_completed_successfully' }, 'stores-init': { condition: 'service_completed_successfully' } });
    expect(services['stores-init']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' }, s3: { condition: 'service_started' } });
    for (const name of ['postgresql', 'temporal', 'worker']) expect(services[name]!.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('keeps state in the stores, never on a volume the workers share: they scale across hosts', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['emulator-data', 'postgres-data', 'prometheus-data', 's3-data']);
    expect(services.postgresql!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(services.s3!.volumes).toEqual(['s3-data:/data']);
    for (const name of ['worker', 'longhaul']) expect(services[name]!.volumes).toBeUndefined();
    expect(services.s3!.image).toMatch(/^versity\/versitygw:/);
    expect(services.s3!.command).toEqual(['--port', ':7070', 'posix', '--sidecar', '/data/meta', '/data/objects']);
    expect(services['stores-init']!.entrypoint).toEqual(['node', '/longhaul-deploy/init-stores.js']);
    expect(read('deploy/longhaul/init-stores.js')).toContain('CreateBucketCommand');
  });

  it('gives the workers what they need: Temporal address, task queue, data dir on the volume, metrics port, provider keys from the host', () => {
    const env = services.worker!.environment!;
    expect(env).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'default',
      LONGHAUL_TASK_QUEUE: 'longhaul',
      LONGHAUL_DATA_DIR: '/data',
      LONGHAUL_METRICS_PORT: '9464',
      LONGHAUL_BLOB_STORE: 's3://longhaul/jobs',
      LONGHAUL_RESULT_STORE: 'postgres://temporal:${POSTGRES_PASSWORD:-temporal}@postgresql:5432/longhaul',
      AWS_ENDPOINT_URL_S3: 'http://s3:7070',
    });
    expect(services.s3!.environment).toEqual({ ROOT_ACCESS_KEY: env.AWS_ACCESS_KEY_ID, ROOT_SECRET_KEY: env.AWS_SECRET_ACCESS_KEY });
    for (const key of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'LONGHAUL_COMPATIBLE_API_KEY', 'LONGHAUL_PAYLOAD_KEY', 'LONGHAUL_S3_SSE']) {
      expect({ key, value: env[key] }).toEqual({ key, value: `\${${key}:-}` });
    }
    // the CLI service talks to the same Temporal and reads results from the same stores
    expect(services.longhaul!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', LONGHAUL_BLOB_STORE: env.LONGHAUL_BLOB_STORE, LONGHAUL_RESULT_STORE: env.LONGHAUL_RESULT_STORE, LONGHAUL_UI_URL: 'http://localhost:8080' });
  });

  it('registers every search attribute of src/contracts/search-attributes.ts with its type', () => {
    const pairs = services['temporal-init']!.environment!.LONGHAUL_SEARCH_ATTRIBUTES!.split(/\s+/).filter(Boolean);
    expect(pairs).toEqual(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) => `${name}=${type}`));
    const script = read('deploy/temporal/init-namespace.sh');
    expect(script).toContain('temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"');
    expect(services['temporal-init']!.entrypoint).toEqual(['/bin/sh', '/longhaul-deploy/init-namespace.sh']);
    expect(services['temporal-init']!.volumes).toEqual(['./deploy/temporal:/longhaul-deploy:ro']);
    expect(read('deploy/temporal/setup-postgres.sh')).toContain('--plugin postgres12');
  });
});

describe('Dockerfile', () => {
  it('builds the worker image the compose file runs: npm ci, build, a prebuilt workflow bundle, the CLI as entrypoint', () => {
    for (const name of ['worker', 'longhaul', 'emulator', 'stores-init']) {
      expect(services[name]!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(services[name]!.image).toBe(services.worker!.image);
    }
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^node:\S+ AS build/);
    for (const step of ['RUN npm ci', 'RUN npm run build', 'RUN npm prune --omit=dev', 'dist/workflow-bundle.js']) expect(stages[0]).toContain(step);
    for (const folder of ['src', 'workflows', 'activities']) expect(stages[0]).toContain(`COPY ${folder} ./${folder}`);
    expect(stages[1]).toContain('COPY --from=build /app/dist ./dist');
    expect(stages[1]).toContain('COPY bin ./bin');
    expect(stages[1]).toContain('LONGHAUL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js');
    // the memory settings the end-to-end bench runs its worker with (bench/end-to-end.bench.ts)
    const bench = read('bench/end-to-end.bench.ts');
    for (const [name, value] of [['MALLOC_ARENA_MAX', '2'], ['MALLOC_MMAP_THRESHOLD_', '131072'], ['NODE_OPTIONS', '--max-semi-space-size=2']]) {
      expect(stages[1]).toContain(`${name}=${value}`);
      expect(bench).toContain(`${name}: process.env.${name} ?? '${value}'`);
    }
    expect(stages[1]).toContain('ENTRYPOINT ["node", "bin/longhaul.js"]');
    expect(read('bin/longhaul.js')).toContain("require('../dist/src/cli/main.js')");
  });

  it('runs only commands the CLI has, with flags it knows', () => {
    const commands = new Map(allCommands().map((c) => [c.name, c]));
    for (const name of ['worker', 'emulator']) {
      const [command, ...args] = services[name]!.command!;
      const known = commands.get(command!);
      expect(known).toBeDefined();
      for (const flag of args.filter((a) => a.startsWith('--'))) expect({ command, flag, known: flag.slice(2) in known!.options }).toEqual({ command, flag, known: true });
    }
    expect(services.worker!.command).toEqual(['worker', '--metrics-port', '9464', '--log-format', 'json']);
    expect(services.worker!.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:9464/metrics');
  });

  it('keeps dependencies and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.longhaul', '.tools', '.cache', '.git']) expect(ignored).toContain(entry);
    for (const needed of ['src', 'workflows', 'activities', 'bin', 'examples', 'package.json', 'package-lock.json']) expect(ignored).not.toContain(needed);
  });
});

describe('Prometheus in the compose stack', () => {
  it('scrapes every worker replica through Docker DNS service discovery on the worker service name', () => {
    const prometheus = services.prometheus!;
    expect(prometheus.image).toMatch(/^prom\/prometheus:/);
    expect(prometheus.volumes).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    const config = parse(read('deploy/prometheus/prometheus.yml')) as { scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; type: string; port: number }> }> };
    const job = config.scrape_configs.find((c) => c.job_name === 'longhaul-worker')!;
    expect(job.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port: Number(services.worker!.expose![0]) })]);
  });
});
