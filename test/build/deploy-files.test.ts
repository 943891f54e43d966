/**
 * The deployment files, checked where Docker and Kubernetes cannot run: the
 * manifests parse, every container has probes the processes really answer,
 * resource limits and a non-root user, and runs a compiled entry point that
 * exists; the Dockerfile is multi-stage, installs production dependencies
 * only and runs as a non-root user.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

interface Container {
  name: string;
  command: string[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  env?: { name: string; value: string }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: { template?: { spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number } } } };
}

const manifests: Manifest[] = readdirSync('deploy/kubernetes')
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`deploy/kubernetes/${f}`, 'utf8')).map((doc) => {
      expect(doc.errors, f).toEqual([]);
      return doc.toJS() as Manifest;
    }),
  );
const workloads = manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job');
/** dist/x/y.js is built from x/y.ts. */
const sourceOf = (compiled: string) => compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts');

describe('deploy/kubernetes', () => {
  it('has the API and worker Deployments and the migration Job', () => {
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'Deployment/burndown-api',
      'Deployment/burndown-worker',
      'Job/burndown-migrate',
    ]);
  });

  it.each(workloads.map((w) => [w.metadata.name, w] as const))('%s: non-root, resource limits, a compiled entry point', (_name, w) => {
    const pod = w.spec.template!.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext!.runAsUser).toBeGreaterThan(0);
    for (const c of pod.containers) {
      expect(c.resources?.limits, c.name).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources?.requests, c.name).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.command.slice(0, 1)).toEqual(['node']);
      expect(existsSync(sourceOf(c.command[1]!)), c.command[1]).toBe(true);
    }
  });

  it.each(workloads.filter((w) => w.kind === 'Deployment').map((w) => [w.metadata.name, w] as const))(
    '%s: readiness and liveness probes on paths and ports the process serves',
    (_name, w) => {
      for (const c of w.spec.template!.spec.containers) {
        const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
          expect(probe?.httpGet.path).toMatch(/^\/(readyz|healthz)$/);
          expect(ports.has(probe!.httpGet.port), `port ${probe!.httpGet.port}`).toBe(true);
        }
        // The process listens where the probes and Prometheus look.
        const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
        const metricsPort = ports.get('metrics');
        expect(env.get(c.name === 'api' ? 'METRICS_LISTEN' : 'WORKER_METRICS_LISTEN')).toBe(`0.0.0.0:${metricsPort}`);
        if (c.name === 'api') expect(env.get('PORT')).toBe(String(ports.get('http')));
      }
    },
  );
});

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds in one stage and runs from another, with production dependencies only, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(runtime).toMatch(/RUN npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist dist/);
    const user = /^USER (\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('copies every source folder the build compiles and every data folder the configuration reads', () => {
    const tsconfig = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] };
    for (const folder of tsconfig.include) expect(stages[0], folder).toMatch(new RegExp(`^COPY ${folder} ${folder}$`, 'm'));
    for (const folder of ['catalog', 'pricing', 'accounting'])
      expect(runtime, folder).toMatch(new RegExp(`^COPY ${folder} ${folder}$`, 'm'));
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(runtime)![1]!) as string[];
    // node [its options, such as the heap bound] script
    const script = cmd.slice(1).find((arg) => !arg.startsWith('-'));
    expect(script).toBeDefined();
    expect(existsSync(sourceOf(script!))).toBe(true);
  });
});
