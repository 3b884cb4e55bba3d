import { BusToolsError } from '@bus-tools/core';
import { createDetectServer, openDetector, predictFolder, predictImages } from '@bus-tools/infer';

// Public entry points check their arguments before any work (no model is loaded here): a wrong call
// is an INVALID_PARAMETER error that says what was expected, never a TypeError from inside.
describe('a public function called with the wrong arguments says what it expected', () => {
  test.each<[string, () => Promise<unknown>, string]>([
    ['openDetector(a model path)', () => openDetector('x.onnx' as never), 'openDetector expects an options object such as { model: "model.onnx" } but received the string "x.onnx"'],
    ['openDetector()', () => openDetector(undefined as never), 'openDetector expects an options object such as { model: "model.onnx" } but received undefined'],
    ['openDetector(null)', () => openDetector(null as never), 'openDetector expects an options object such as { model: "model.onnx" } but received null'],
    ['predictImages(one path)', () => predictImages('scan.png' as never, {}), 'predictImages expects an array of image paths such as ["scan.png"] but received the string "scan.png"'],
    ['predictImages(paths with a number)', () => predictImages(['scan.png', 3] as never, {}), 'predictImages expects an array of image paths such as ["scan.png"] but received an array'],
    ['predictImages(paths, a model path)', () => predictImages(['scan.png'], 'x.onnx' as never), 'predictImages expects an options object such as { model: "model.onnx" } but received the string "x.onnx"'],
    ['predictFolder(a folder)', () => predictFolder('scans/' as never), 'predictFolder expects an options object such as { input: "scans/", output: "predictions/" } but received the string "scans/"'],
    ['predictFolder({ output })', () => predictFolder({ output: 'pred' } as never), 'predictFolder expects an input path (options.input) such as "scans/" but received undefined'],
    ['predictFolder({ input })', () => predictFolder({ input: 'scans' } as never), 'predictFolder expects an output folder (options.output) such as "predictions/" but received undefined'],
    ['createDetectServer(a port)', () => createDetectServer(8080 as never), 'createDetectServer expects an options object such as { model: "model.onnx", port: 8080 } but received the number 8080'],
  ])('%s', async (_call, call, message) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BusToolsError);
    expect(err).toMatchObject({ code: 'INVALID_PARAMETER', message });
  });
});
