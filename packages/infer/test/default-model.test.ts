import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_MODEL, defaultModelPath, loadLabelMap, openDetector } from '@bus-tools/infer';

describe('the bundled BUSI model', () => {
  test('the file is the one the model card describes: its SHA-256, at most 20 MB, its label map beside it', () => {
    const file = defaultModelPath();
    expect(basename(file)).toBe(DEFAULT_MODEL.file);
    const bytes = readFileSync(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(DEFAULT_MODEL.sha256);
    expect(statSync(file).size).toBeLessThanOrEqual(20 * 1024 * 1024);
    expect([...loadLabelMap(join(dirname(file), 'label_map.pbtxt'))]).toEqual([
      [1, 'benign'],
      [2, 'malignant'],
    ]);
  });

  test('openDetector without a model opens it: TF OD API layout, 320x320, labels from its label map', async () => {
    const det = await openDetector({ device: 'cpu', sessions: 1 });
    try {
      expect(det.isDefaultModel).toBe(true);
      expect(det.model).toBe(defaultModelPath());
      expect([det.layout.name, det.inputWidth, det.inputHeight]).toEqual(['tfod', 320, 320]);
      expect(det.labelFile).toBe(join(dirname(defaultModelPath()), 'label_map.pbtxt'));
    } finally {
      await det.close();
    }
    const named = await openDetector({ model: defaultModelPath(), device: 'cpu', sessions: 1 });
    expect(named.isDefaultModel).toBe(false);
    await named.close();
  });
});
