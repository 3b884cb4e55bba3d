import { resolveLayout, type ModelSignature } from '@bus-tools/infer';

const TFOD: ModelSignature = {
  inputs: [{ name: 'input_tensor', type: 'uint8', shape: [1, 640, 640, 3] }],
  outputs: [
    { name: 'detection_anchor_indices', type: 'float32', shape: [1, 100] },
    { name: 'raw_detection_boxes', type: 'float32', shape: [1, 51150, 4] },
    { name: 'detection_boxes', type: 'float32', shape: [1, 100, 4] },
    { name: 'detection_classes', type: 'float32', shape: [1, 100] },
    { name: 'detection_multiclass_scores', type: 'float32', shape: [1, 100, 3] },
    { name: 'detection_scores', type: 'float32', shape: [1, 100] },
    { name: 'num_detections', type: 'float32', shape: [1] },
  ],
};
const TF2ONNX_DYNAMIC: ModelSignature = {
  inputs: [{ name: 'input_tensor:0', type: 'uint8', shape: [1, 'unk__1', 'unk__2', 3] }],
  outputs: ['detection_boxes:0', 'detection_scores:0', 'detection_classes:0', 'num_detections:0'].map((name) => ({ name, type: 'float32', shape: [1, 100] })),
};
const DATATURE: ModelSignature = {
  inputs: [{ name: 'inputs', type: 'float32', shape: [1, 640, 640, 3] }],
  outputs: [{ name: 'output_0', type: 'float32', shape: [1, 100, 7] }],
};
const TORCHVISION: ModelSignature = {
  inputs: [{ name: 'image', type: 'float32', shape: [3, 320, 480] }],
  outputs: [{ name: 'boxes', type: 'float32', shape: ['n', 4] }, { name: 'scores', type: 'float32', shape: ['n'] }, { name: 'labels', type: 'int64', shape: ['n'] }],
};
const TORCHVISION_BATCHED_UNNAMED: ModelSignature = {
  inputs: [{ name: 'x', type: 'float32', shape: [1, 3, 'h', 'w'] }],
  outputs: [{ name: '3012', type: 'float32', shape: ['n', 4] }, { name: '3011', type: 'float32', shape: ['n'] }, { name: '3010', type: 'int64', shape: ['n'] }],
};
const CLASSIFIER: ModelSignature = {
  inputs: [{ name: 'pixel_values', type: 'float32', shape: [1, 3, 224, 224] }],
  outputs: [{ name: 'logits', type: 'float32', shape: [1, 1000] }],
};

describe('resolveLayout', () => {
  test.each<[string, ModelSignature, object]>([
    ['TF OD API (raw_* and multiclass outputs ignored)', TFOD, {
      name: 'tfod', nmsInGraph: true,
      input: { name: 'input_tensor', encoding: 'uint8-nhwc', batch: true, width: 640, height: 640 },
      outputs: { boxes: 'detection_boxes', scores: 'detection_scores', classes: 'detection_classes', num: 'num_detections' },
    }],
    ['tf2onnx names with :0 and a dynamic size', TF2ONNX_DYNAMIC, {
      name: 'tfod', input: { name: 'input_tensor:0', encoding: 'uint8-nhwc', batch: true, width: undefined, height: undefined },
      outputs: { boxes: 'detection_boxes:0', scores: 'detection_scores:0', classes: 'detection_classes:0', num: 'num_detections:0' },
    }],
    ['Datature ONNX', DATATURE, {
      name: 'datature', nmsInGraph: false,
      input: { name: 'inputs', encoding: 'float32-nhwc-255', batch: true, width: 640, height: 640 }, outputs: { packed: 'output_0' },
    }],
    ['torchvision [3,H,W]', TORCHVISION, {
      name: 'torchvision', nmsInGraph: true,
      input: { name: 'image', encoding: 'float32-chw-01', batch: false, width: 480, height: 320 },
      outputs: { boxes: 'boxes', scores: 'scores', labels: 'labels' },
    }],
  ])('detects %s', (_name, sig, expected) => {
    expect(resolveLayout(sig)).toMatchObject(expected);
  });

  test('--layout torchvision maps unnamed outputs by position', () => {
    expect(() => resolveLayout(TORCHVISION_BATCHED_UNNAMED)).toThrow(/unknown detection model layout/);
    expect(resolveLayout(TORCHVISION_BATCHED_UNNAMED, 'torchvision')).toMatchObject({
      input: { name: 'x', batch: true, width: undefined, height: undefined },
      outputs: { boxes: '3012', scores: '3011', labels: '3010' },
    });
  });

  test('an unknown layout lists the inputs, the outputs and the --layout choices', () => {
    expect(() => resolveLayout(CLASSIFIER, undefined, 'cls.onnx')).toThrow(
      'cls.onnx: unknown detection model layout. The model has inputs: pixel_values float32 [1,3,224,224]; outputs: logits float32 [1,1000]. ' +
        'bus-tools understands --model-layout tfod (TF Object Detection API / tf2onnx: uint8 [1,H,W,3] input, detection_boxes/scores/classes outputs); ' +
        'datature (Datature ONNX: float32 [1,H,W,3] 0-255 input, one [1,N,7+] output); torchvision (torchvision: float32 [3,H,W] 0-1 input, boxes/scores/labels outputs).',
    );
  });

  test('a --layout that does not fit says so and shows the model', () => {
    expect(() => resolveLayout(DATATURE, 'tfod', 'm.onnx')).toThrow(
      /^m\.onnx does not look like a tfod export \(.*\)\. The model has inputs: inputs float32 \[1,640,640,3\]; outputs: output_0 float32 \[1,100,7\]\. Try another --model-layout/,
    );
  });

  test('an unknown --layout value is a parameter error', () => {
    expect(() => resolveLayout(TFOD, 'yolo' as never)).toThrow('Expected one of tfod, datature, torchvision for --model-layout but received "yolo"');
  });
});
