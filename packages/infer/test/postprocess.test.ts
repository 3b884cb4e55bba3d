import { candidatesToDetections, decodeDatature, decodeOutputs, decodeTfod, decodeTorchvision, resolveLayout, type Candidates, type TensorData } from '@bus-tools/infer';

const f32 = (dims: number[], ...v: number[]): TensorData => ({ type: 'float32', data: Float32Array.from(v), dims });
const i64 = (dims: number[], ...v: number[]): TensorData => ({ type: 'int64', data: BigInt64Array.from(v.map(BigInt)), dims });
const plain = (c: Candidates) => ({ boxes: [...c.boxes], scores: [...c.scores], classIds: [...c.classIds] });

describe('decoders: every layout ends in xyxy normalized to the model input', () => {
  test('TF OD API: ymin,xmin,ymax,xmax → xyxy; rows past num_detections ignored; float classes rounded', () => {
    const c = decodeTfod(
      f32([1, 3, 4], 0.1, 0.2, 0.5, 0.6, 0.3, 0.3, 0.4, 0.4, 0, 0, 0, 0),
      f32([1, 3], 0.9, 0.5, 0),
      f32([1, 3], 2.0000002, 1, 0),
      f32([1], 2),
    );
    expect(plain(c).classIds).toEqual([2, 1]);
    expect(plain(c).boxes).toEqual([0.2, 0.1, 0.6, 0.5, 0.3, 0.3, 0.4, 0.4].map(Math.fround));
    expect(plain(c).scores).toEqual([0.9, 0.5].map(Math.fround));
  });

  test('TF OD API without num_detections uses every row', () => {
    expect(decodeTfod(f32([1, 1, 4], 0, 0, 1, 1), f32([1, 1], 0.4), f32([1, 1], 1)).scores).toHaveLength(1);
  });

  test('Datature: padding rows (valid = 0 or class = 0) dropped, columns reordered', () => {
    const c = decodeDatature(
      f32([1, 4, 7],
        0.1, 0.2, 0.5, 0.6, 0.8, 1, 1,
        0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, // padding
        0.3, 0.3, 0.4, 0.4, 0.7, 2, 1,
        0.3, 0.3, 0.4, 0.4, 0.7, 0, 1), // class 0 = padding too
    );
    expect(plain(c)).toEqual({ boxes: [0.2, 0.1, 0.6, 0.5, 0.3, 0.3, 0.4, 0.4].map(Math.fround), scores: [0.8, 0.7].map(Math.fround), classIds: [1, 2] });
  });

  test('Datature: the validity flag is the last column, whatever C is', () => {
    const c = decodeDatature(f32([1, 2, 8], 0, 0, 1, 1, 0.9, 1, 123, 1, 0, 0, 1, 1, 0.9, 1, 123, 0));
    expect(c.scores).toHaveLength(1);
  });

  test('Datature: fewer than 7 columns is an error saying what was expected', () => {
    expect(() => decodeDatature(f32([1, 1, 6], 0, 0, 1, 1, 1, 1))).toThrow('Expected a Datature output [1,N,C] with C >= 7 columns but received dims [1,1,6]');
  });

  test('torchvision: input pixels / input size; int64 labels', () => {
    const c = decodeTorchvision(f32([1, 4], 32, 64, 160, 320), f32([1], 0.75), i64([1], 2), 320, 640);
    expect(plain(c)).toEqual({ boxes: [0.1, 0.1, 0.5, 0.5].map(Math.fround), scores: [0.75], classIds: [2] });
  });

  test('decodeOutputs picks outputs by the names resolveLayout found', () => {
    const layout = resolveLayout({
      inputs: [{ name: 'images', type: 'float32', shape: [3, 100, 200] }],
      outputs: [{ name: 'scores', type: 'float32', shape: ['n'] }, { name: 'labels', type: 'int64', shape: ['n'] }, { name: 'boxes', type: 'float32', shape: ['n', 4] }],
    });
    const c = decodeOutputs(layout, { boxes: f32([1, 4], 20, 10, 200, 100), scores: f32([1], 0.5), labels: i64([1], 1) }, 200, 100);
    expect(plain(c).boxes).toEqual([0.1, 0.1, 1, 1].map(Math.fround));
    expect(() => decodeOutputs(layout, { boxes: f32([0, 4]) }, 200, 100)).toThrow('The model returned no scores output (scores); check --model-layout.');
  });
});

describe('candidatesToDetections', () => {
  const cands = (rows: Array<[number, number, number, number, number, number]>): Candidates => ({
    boxes: Float32Array.from(rows.flatMap((r) => r.slice(0, 4))),
    scores: Float32Array.from(rows.map((r) => r[4])),
    classIds: Int32Array.from(rows.map((r) => r[5])),
  });

  test.each<[string, Array<[number, number, number, number, number, number]>, Partial<Parameters<typeof candidatesToDetections>[1]>, Array<[number[], number, number]>]>([
    ['scales normalized boxes to the original size', [[0.1, 0.2, 0.5, 0.6, 0.9, 1]], {}, [[[50, 40, 250, 120], 0.9, 1]]],
    ['threshold is inclusive', [[0, 0, 0.5, 0.5, 0.5, 1], [0, 0, 0.4, 0.4, 0.49, 1]], { threshold: 0.5 }, [[[0, 0, 250, 100], 0.5, 1]]],
    ['clips to the image', [[-0.1, -0.2, 1.3, 1.1, 0.8, 2]], {}, [[[0, 0, 500, 200], 0.8, 2]]],
    ['drops boxes that are empty after clipping', [[1.1, 0, 1.3, 0.5, 0.8, 1], [0.2, 0.2, 0.2, 0.5, 0.9, 1]], {}, []],
    ['sorts best first', [[0, 0, 0.1, 0.1, 0.6, 1], [0.5, 0.5, 0.6, 0.6, 0.95, 2]], {}, [[[250, 100, 300, 120], 0.95, 2], [[0, 0, 50, 20], 0.6, 1]]],
    ['NMS only when asked', [[0, 0, 0.5, 0.5, 0.9, 1], [0, 0, 0.5, 0.49, 0.8, 1]], { nms: false }, [[[0, 0, 250, 100], 0.9, 1], [[0, 0, 250, 98], 0.8, 1]]],
    ['NMS drops the same-class duplicate', [[0, 0, 0.5, 0.5, 0.9, 1], [0, 0, 0.5, 0.49, 0.8, 1]], { nms: true }, [[[0, 0, 250, 100], 0.9, 1]]],
    ['NMS is class-wise', [[0, 0, 0.5, 0.5, 0.9, 1], [0, 0, 0.5, 0.49, 0.8, 2]], { nms: true }, [[[0, 0, 250, 100], 0.9, 1], [[0, 0, 250, 98], 0.8, 2]]],
    ['maxDetections keeps the best', [[0, 0, 0.1, 0.1, 0.6, 1], [0.5, 0.5, 0.6, 0.6, 0.95, 1]], { maxDetections: 1 }, [[[250, 100, 300, 120], 0.95, 1]]],
  ])('%s', (_name, rows, opts, expected) => {
    const dets = candidatesToDetections(cands(rows), { threshold: 0.3, width: 500, height: 200, nms: false, ...opts });
    expect(dets.map((d) => [d.xyxy.map((v) => Math.round(v * 1000) / 1000), Math.round(d.score! * 1000) / 1000, d.classId])).toEqual(expected);
  });

  test('labels come from labelFor', () => {
    const [d] = candidatesToDetections(cands([[0, 0, 1, 1, 0.9, 2]]), { threshold: 0.5, width: 10, height: 10, nms: false, labelFor: (id) => (id === 2 ? 'malignant' : '?') });
    expect(d).toEqual({ xyxy: [0, 0, 10, 10], score: Math.fround(0.9), classId: 2, label: 'malignant' });
  });
});
