import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuPlan, decodeForModel, listImages, openDetector, openOnnxSession, predictImages, type TensorData } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';

// Worker sessions (backend/pool.ts): several single-threaded copies of the model in worker threads.
const MODEL = join(MODELS, 'retinanet-tfod.onnx');
const DATATURE = join(MODELS, 'retinanet-datature.onnx');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-infer-pool-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test.each([
  // cores, asked threads → sessions, threads
  [1, undefined, 1, 1],
  [2, undefined, 2, 1],
  [4, undefined, 4, 1],
  [8, undefined, 4, 2],
  [16, undefined, 4, 4],
  [6, undefined, 4, 1],
  [2, 3, 2, 3],
])('cpuPlan(%i cores, threads %p) → %i sessions × %i threads', (cores, threads, sessions, each) => {
  expect(cpuPlan(cores, threads)).toEqual({ sessions, threads: each });
});

async function feedsFor(model: string, files: string[]): Promise<Array<Record<string, TensorData>>> {
  const det = await openDetector({ model, device: 'cpu' });
  try {
    return await Promise.all(files.map(async (f) => det.preprocess(await decodeForModel(f, det.inputWidth, det.inputHeight))));
  } finally {
    await det.close();
  }
}

describe('openOnnxSession with worker sessions', () => {
  test.each([
    ['tfod (uint8 input, NMS in the graph)', MODEL],
    ['datature (float input, one packed output)', DATATURE],
  ])('%s: the same outputs as one in-thread session, for runs in flight at once', async (_name, model) => {
    const files = listImages(SAMPLE_BUSI).files.slice(0, 6);
    const feeds = await feedsFor(model, files);
    const one = await openOnnxSession(model, { device: 'cpu' });
    const pool = await openOnnxSession(model, { device: 'cpu', sessions: 3 });
    try {
      expect([one.sessions, pool.sessions]).toEqual([1, 3]);
      expect(pool.deviceNote).toBe('cpu (requested), 3 sessions');
      expect(pool.signature).toEqual(one.signature);
      const expected: Array<Record<string, TensorData>> = [];
      for (const f of feeds) expected.push(await one.run(f));
      const got = await Promise.all(feeds.map((f) => pool.run(f))); // 6 runs on 3 sessions (2 queued each)
      expect(got.length).toBe(expected.length);
      got.forEach((outputs, i) => {
        expect(Object.keys(outputs).sort()).toEqual(Object.keys(expected[i]).sort());
        for (const [name, t] of Object.entries(expected[i])) {
          expect(outputs[name].dims).toEqual(t.dims);
          expect(outputs[name].type).toBe(t.type);
          expect(Array.from(outputs[name].data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
        }
      });
    } finally {
      await one.release();
      await pool.release();
    }
  });

  test("'auto' takes cpuPlan's sessions and threads", async () => {
    const s = await openOnnxSession(MODEL, { device: 'cpu', sessions: 'auto' });
    const plan = cpuPlan();
    expect(s.sessions).toBe(plan.sessions);
    await s.release();
  });

  test('a file that is not ONNX fails as BAD_MODEL, naming the file', async () => {
    const bad = join(tmp, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    const err = await openOnnxSession(bad, { device: 'cpu', sessions: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_MODEL', file: bad });
    expect((err as Error).message).toMatch(/^--model .*bad\.onnx: not an ONNX model onnxruntime can load \(.+\)/);
  });

  test('failed loads stop every worker only after all have settled (terminating one mid-load aborted the process)', async () => {
    const bad = join(tmp, 'bad-again.onnx');
    writeFileSync(bad, 'not a model either');
    for (let i = 0; i < 30; i++) await expect(openOnnxSession(bad, { device: 'cpu', sessions: 3 })).rejects.toMatchObject({ code: 'BAD_MODEL' });
    const s = await openOnnxSession(MODEL, { device: 'cpu', sessions: 2 });
    await s.release();
  });

  test('a bad feed rejects that run with INFERENCE_FAILED; the session keeps working', async () => {
    const [good] = await feedsFor(MODEL, listImages(SAMPLE_BUSI).files.slice(0, 1));
    const pool = await openOnnxSession(MODEL, { device: 'cpu', sessions: 2 });
    try {
      const wrong = { input_tensor: { type: 'uint8', data: new Uint8Array(12), dims: [1, 2, 2, 3] } } as Record<string, TensorData>;
      await expect(pool.run(wrong)).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: expect.stringContaining('onnxruntime failed on an image') });
      await expect(pool.run(good)).resolves.toHaveProperty('detection_boxes');
    } finally {
      await pool.release();
    }
    await expect(pool.run(good)).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: expect.stringContaining('released') });
  });

  test('--sessions must be a whole number from 1', async () => {
    await expect(openOnnxSession(MODEL, { device: 'cpu', sessions: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringContaining('--sessions') });
  });
});

test('predictImages: the same detections, in input order, with 1 session and with 3', async () => {
  const files = listImages(SAMPLE_BUSI).files;
  const run = (sessions: number) => predictImages(files, { model: MODEL, device: 'cpu', threshold: 0.3, sessions, prefetch: 2 });
  const [a, b] = [await run(1), await run(3)];
  expect(b.images.map((i) => i.path)).toEqual(files);
  expect(b.images).toEqual(a.images);
  expect(b.images.some((i) => i.detections.length > 0)).toBe(true);
});
