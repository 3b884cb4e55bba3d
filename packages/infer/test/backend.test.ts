import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUDA_PROVIDER_LIBS, CUDA_PROVIDER_PACKAGE, cudaProviderStatus, openOnnxSession } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';

const MODEL = join(MODELS, 'retinanet-tfod.onnx');
// Whether this machine has the CUDA provider libraries next to the onnxruntime binding (CI: no).
// The tests of what happens without them cannot run where they are installed: they are skipped,
// and their titles and one console line say so.
const HAVE_CUDA_LIBS = cudaProviderStatus().missing.length === 0;
const CUDA_SKIP_REASON = `the CUDA provider libraries are installed in ${cudaProviderStatus().dir}, so the paths taken without them cannot be tested on this machine`;
if (HAVE_CUDA_LIBS) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping 3 tests of openOnnxSession without CUDA: ${CUDA_SKIP_REASON}.`);
}
const withoutCudaLibs = (name: string, fn: () => Promise<void>) => (HAVE_CUDA_LIBS ? test.skip(`${name} (skipped: ${CUDA_SKIP_REASON})`, fn) : test(name, fn));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-infer-backend-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('openOnnxSession: bad models', () => {
  test('a missing file', async () => {
    await expect(openOnnxSession(join(tmp, 'nope.onnx'), { device: 'cpu' })).rejects.toMatchObject({
      code: 'INPUT_NOT_FOUND',
      message: `--model ${join(tmp, 'nope.onnx')}: no such file. Pass the .onnx file of an exported detector.`,
    });
  });

  test.each([
    ['a text file', 'model.onnx', 'this is not a model\n'],
    ['an image', 'benign (1).onnx', null],
  ])('%s is "not an ONNX model", naming the file and what to do', async (_kind, name, content) => {
    const file = join(tmp, name);
    if (content === null) writeFileSync(file, readFileSync(join(SAMPLE_BUSI, 'benign', 'benign (1).png')));
    else writeFileSync(file, content);
    const err = await openOnnxSession(file, { device: 'cpu' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_MODEL', file });
    expect((err as Error).message).toMatch(new RegExp(`^--model ${file.replace(/[()]/g, '\\$&')}: not an ONNX model onnxruntime can load \\(.+\\)\\. Pass the \\.onnx file of an exported detector`));
  });

  test('an unknown device lists the allowed ones', async () => {
    await expect(openOnnxSession(MODEL, { device: 'gpu' as never })).rejects.toThrow('Expected one of auto, cuda, cpu for --device but received "gpu"');
  });
});

describe('openOnnxSession: devices', () => {
  test('cpu', async () => {
    const s = await openOnnxSession(MODEL, { device: 'cpu' });
    expect([s.device, s.deviceNote]).toEqual(['cpu', 'cpu (requested)']);
    expect(s.signature.inputs).toEqual([{ name: 'input_tensor', type: 'uint8', shape: [1, 320, 320, 3] }]);
    await s.release();
  });

  withoutCudaLibs('auto falls back to the CPU and says why', async () => {
    const s = await openOnnxSession(MODEL, { device: 'auto' });
    expect([s.device, s.deviceNote]).toEqual(['cpu', 'cpu (CUDA provider libraries not installed: see docs/gpu.md)']);
    await s.release();
  });

  withoutCudaLibs('cuda fails naming the missing libraries, the npm package and the guide', async () => {
    const err = (await openOnnxSession(MODEL, { device: 'cuda' }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CUDA_UNAVAILABLE');
    const { dir } = cudaProviderStatus();
    expect(err.message).toContain(`Missing: ${CUDA_PROVIDER_LIBS.join(', ')} in ${dir}.`);
    expect(err.message).toContain(`npm install --no-save ${CUDA_PROVIDER_PACKAGE}`);
    expect(err.message).toContain('CUDA 12 runtime and cuDNN 9');
    expect(err.message).toContain('docs/gpu.md');
  });

  // Libraries "present" (empty files in a folder we point at) but onnxruntime cannot load CUDA: the
  // real attempt is made and fails, as on a machine without the CUDA runtime.
  withoutCudaLibs('when loading the provider fails, auto falls back and cuda reports onnxruntime’s reason', async () => {
    const fake = join(tmp, 'fake-providers');
    mkdirSync(fake, { recursive: true });
    for (const lib of CUDA_PROVIDER_LIBS) writeFileSync(join(fake, lib), '');
    const s = await openOnnxSession(MODEL, { device: 'auto', providerDir: fake });
    expect(s.device).toBe('cpu');
    expect(s.deviceNote).toMatch(/^cpu \(CUDA provider failed to load: .+; see docs\/gpu\.md\)$/);
    await s.release();
    const err = (await openOnnxSession(MODEL, { device: 'cuda', providerDir: fake }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CUDA_UNAVAILABLE');
    expect(err.message).toMatch(/onnxruntime could not load it: .+/);
  });

  test('run returns plain typed arrays by output name', async () => {
    const s = await openOnnxSession(MODEL, { device: 'cpu' });
    const out = await s.run({ input_tensor: { type: 'uint8', data: new Uint8Array(320 * 320 * 3).fill(128), dims: [1, 320, 320, 3] } });
    expect(Object.keys(out).sort()).toEqual(['detection_boxes', 'detection_classes', 'detection_scores', 'num_detections']);
    expect(out.detection_boxes.dims).toEqual([1, 100, 4]);
    expect(out.detection_boxes.data).toBeInstanceOf(Float32Array);
    await s.release();
  });
});
