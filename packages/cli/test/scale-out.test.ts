/**
 * The Kubernetes manifests and Slurm scripts in docs/scale-out.md, checked as far as a machine
 * without a cluster can: the YAML parses and has the fields an Indexed Job needs, the shard count
 * agrees everywhere, and the shell scripts pass `bash -n`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DOC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/scale-out.md');
const text = readFileSync(DOC, 'utf8');
const blocks = (lang: string) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
// js-yaml comes with the dev tools (eslint uses it).
const yaml = createRequire(import.meta.url)('js-yaml') as { loadAll(text: string): unknown[] };

interface Container {
  image: string;
  args?: string[];
  command?: string[];
  env?: Array<{ name: string; value: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface JobDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { restartPolicy: string; containers: Container[]; volumes: Array<{ name: string }> } };
  };
}

describe('the Kubernetes manifest', () => {
  const docs = blocks('yaml').flatMap((b) => yaml.loadAll(b)) as JobDoc[];
  const predict = docs.find((d) => d.spec?.completionMode === 'Indexed')!;
  const merge = docs.find((d) => d !== predict)!;

  test('is an Indexed Job running predict --shard auto with the count it has completions, then a merge Job', () => {
    expect(docs).toHaveLength(2);
    for (const d of docs) {
      expect([d.apiVersion, d.kind, typeof d.metadata.name]).toEqual(['batch/v1', 'Job', 'string']);
      expect(['Never', 'OnFailure']).toContain(d.spec.template.spec.restartPolicy);
      const c = d.spec.template.spec.containers[0];
      expect(c.image).toMatch(/bus-tools/);
      // every mount names a volume of the pod
      for (const m of c.volumeMounts ?? []) expect(d.spec.template.spec.volumes.map((v) => v.name)).toContain(m.name);
    }
    const n = predict.spec.completions!;
    expect(n).toBeGreaterThan(1);
    const c = predict.spec.template.spec.containers[0];
    expect(c.args![0]).toBe('predict');
    const shard = c.args![c.args!.indexOf('--shard') + 1];
    const count = shard === 'auto' ? Number(c.env?.find((e) => e.name === 'BUS_TOOLS_SHARD_COUNT')?.value) : Number(/^auto\/(\d+)$/.exec(shard)?.[1]);
    expect(count).toBe(n);
    const output = c.args![c.args!.indexOf('-o') + 1];
    expect(merge.spec.template.spec.containers[0].args!.join(' ')).toContain(`merge ${output}/detections-*-of-${n}.json`);
  });
});

describe('the Slurm scripts', () => {
  const scripts = blocks('bash');
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'bus-slurm-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('pass bash -n, and the array has as many tasks as the merge expects shards', () => {
    expect(scripts).toHaveLength(2);
    scripts.forEach((s, i) => {
      const file = join(tmp, `script-${i}.sh`);
      writeFileSync(file, s);
      expect(() => execFileSync('bash', ['-n', file], { stdio: 'pipe' })).not.toThrow();
    });
    const [from, to] = /#SBATCH --array=(\d+)-(\d+)/.exec(scripts[0])!.slice(1).map(Number);
    expect(scripts[0]).toMatch(/bus-tools predict .*--shard auto/);
    expect(scripts[1]).toContain(`detections-*-of-${to - from + 1}.json`);
  });
});
