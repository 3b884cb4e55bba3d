import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync, statSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverDataset, extractBoxes, xyxyToXywh } from '@bus-tools/core';
import { FIXTURES, SAMPLE_BUSI, SAMPLE_EXPECTED } from '../../../../fixtures/index.js';
import { encodeMaskPng } from '../../../../fixtures/png-encode.js';

const expected = SAMPLE_EXPECTED;

describe('discoverDataset on the sample', () => {
  test('finds every image with its masks in natural order', async () => {
    const ds = await discoverDataset(SAMPLE_BUSI);
    expect(ds.problems).toEqual([]);
    expect(ds.labels).toEqual(['benign', 'malignant', 'normal']);
    expect(ds.images.map((i) => i.fileName)).toEqual([
      'benign (1).png', 'benign (2).png', 'benign (3).png', 'benign (4).png', 'benign (5).png', 'benign (10).png',
      'malignant (1).png', 'malignant (2).png', 'malignant (3).png', 'normal (1).png', 'normal (2).png',
    ]);
    const b4 = ds.images.find((i) => i.fileName === 'benign (4).png')!;
    expect(b4.masks.map((m) => [m.path.split('/').pop(), m.index])).toEqual([
      ['benign (4)_mask.png', 0],
      ['benign (4)_mask_1.png', 1],
    ]);
  });
});

describe('discoverDataset: the files it walks', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bus-walk-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Empty files are enough: discovery goes by names and never opens them. */
  const touch = (...paths: string[]) => {
    for (const p of paths) {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), '');
    }
  };

  test('skips dot-files and dot-folders; follows links to folders and files; each real file once', async () => {
    touch('benign/benign (1).png', 'benign/benign (1)_mask.png');
    touch('benign/.benign (2).png', 'benign/.benign (2)_mask.png'); // dot-files
    touch('.trash/benign/benign (3).png', '.trash/benign/benign (3)_mask.png'); // in a dot-folder
    touch('.store/scan.png', 'benign/benign (4)_mask.png');
    symlinkSync(join(root, '.store/scan.png'), join(root, 'benign/benign (4).png')); // link to a file
    touch('scans/malignant (1).png', 'scans/malignant (1)_mask.png');
    symlinkSync(join(root, 'scans'), join(root, 'malignant')); // a second way into scans/: the plain path wins
    symlinkSync(root, join(root, 'scans/up')); // a loop: scans/up/scans/up/…
    symlinkSync(join(root, 'nowhere.png'), join(root, 'benign/benign (5).png')); // broken link
    const ds = await discoverDataset(root);
    expect(ds.problems).toEqual([]);
    expect(ds.images.map((i) => [i.relPath, i.label, i.masks.length])).toEqual([
      ['benign/benign (1).png', 'benign', 1],
      ['benign/benign (4).png', 'benign', 1],
      ['scans/malignant (1).png', 'scans', 1],
    ]);
  });

  test('a loop inside a class folder is no class; a linked class folder is one; every image once', async () => {
    const store = mkdtempSync(join(tmpdir(), 'bus-store-'));
    try {
      touch('benign/benign (1).png', 'benign/benign (1)_mask.png', 'benign/benign (2).png', 'benign/benign (2)_mask.png');
      symlinkSync('..', join(root, 'benign/loop')); // ln -s .. loop
      mkdirSync(join(store, 'malignant'));
      writeFileSync(join(store, 'malignant/malignant (1).png'), '');
      writeFileSync(join(store, 'malignant/malignant (1)_mask.png'), '');
      symlinkSync(join(store, 'malignant'), join(root, 'malignant')); // class folder kept elsewhere
      symlinkSync(root, join(store, 'malignant/back')); // and a loop from there back into the dataset
      const ds = await discoverDataset(root);
      expect(ds.problems).toEqual([]);
      expect(ds.labels).toEqual(['benign', 'malignant']);
      expect(ds.images.map((i) => [i.relPath, i.label, i.masks.map((m) => m.path.slice(root.length + 1))])).toEqual([
        ['benign/benign (1).png', 'benign', ['benign/benign (1)_mask.png']],
        ['benign/benign (2).png', 'benign', ['benign/benign (2)_mask.png']],
        ['malignant/malignant (1).png', 'malignant', ['malignant/malignant (1)_mask.png']],
      ]);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  // Root reads every folder whatever its permissions. As root (CI, containers), the check runs the
  // built CLI as the owner of this checkout with every capability dropped (setpriv, in util-linux),
  // so the folder's permissions apply and the CLI can still read itself even where the checkout's
  // parent folder is closed to other users; as anyone else, in this process.
  test('an unreadable subfolder is UNREADABLE, naming the folder', async () => {
    touch('benign/benign (1).png', 'benign/benign (1)_mask.png', 'malignant/malignant (1).png');
    chmodSync(join(root, 'malignant'), 0);
    try {
      if (process.getuid?.() !== 0) {
        await expect(discoverDataset(root)).rejects.toHaveProperty('code', 'UNREADABLE');
        await expect(discoverDataset(root)).rejects.toThrow(`permission denied, opendir '${join(root, 'malignant')}'`);
        return;
      }
      const cli = join(FIXTURES, '..', 'packages', 'cli', 'bin', 'bus-tools.js');
      const { uid, gid } = statSync(cli);
      chownSync(root, uid, gid);
      const drop = [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
      const r = spawnSync('setpriv', [...drop, process.execPath, cli, 'masks2csv', root], { encoding: 'utf8' });
      expect(r.error).toBeUndefined(); // setpriv is in util-linux, on every Debian
      expect(r.stderr).toBe(`bus-tools: ${root}: cannot be read (EACCES: permission denied, opendir '${join(root, 'malignant')}'). Check the folder's permissions. [UNREADABLE]\n`);
      expect(r.status).toBe(1);
    } finally {
      chmodSync(join(root, 'malignant'), 0o755);
    }
  });
});

describe('extractBoxes on the sample', () => {
  test('default: one box per lesion mask, equal to the boxes drawn by the generator', async () => {
    const { images, stats, problems } = await extractBoxes(await discoverDataset(SAMPLE_BUSI));
    expect(problems).toEqual([]);
    const got = Object.fromEntries(images.map((i) => [i.fileName, i.boxes.map((b) => [...xyxyToXywh(b.xyxy), b.area])]));
    const want = Object.fromEntries(
      Object.entries(expected)
        .filter(([, e]) => e.label !== 'normal')
        .map(([name, e]) => [name, e.boxes.map((b) => [...b.bbox, b.area])]),
    );
    expect(got).toEqual(want);
    const specks = Object.values(expected).flatMap((e) => e.boxes).reduce((n, b) => n + b.specks, 0);
    expect(stats).toEqual({ images: 9, masks: 11, boxes: 11, specksDropped: specks, skipped: 0 });
  });

  test('--min-area 0 keeps every speck as its own box', async () => {
    const { images, stats } = await extractBoxes(await discoverDataset(SAMPLE_BUSI), { minArea: 0 });
    const b2 = images.find((i) => i.fileName === 'benign (2).png')!;
    // extractBoxes sets every box's area (the mask's pixel count)
    expect(b2.boxes.map((b) => b.area!).sort((a, b) => a - b)).toEqual([1, 3, expected['benign (2).png'].boxes[0].area]);
    expect(stats.specksDropped).toBe(0);
  });

  test('mask mode with min-area 0 widens the box by the speck (the tutorial); default mode does not', async () => {
    const ds = await discoverDataset(SAMPLE_BUSI);
    const tutorial = await extractBoxes(ds, { boxes: 'mask', minArea: 0 });
    const clean = await extractBoxes(ds, { boxes: 'mask' });
    const pick = (r: typeof clean) => r.images.find((i) => i.fileName === 'benign (10).png')!.boxes;
    const lesion = expected['benign (10).png'].boxes[0].bbox; // speck at x 250..257, y 30
    expect(pick(clean).map((b) => xyxyToXywh(b.xyxy))).toEqual([lesion]);
    const [x1, y1, x2, y2] = pick(tutorial)[0].xyxy;
    expect([x1, y1, x2, y2]).toEqual([lesion[0], 30, 258, lesion[1] + lesion[3]]);
  });

  test('image mode: nested masks give one box whose area counts shared pixels once', async () => {
    const { images } = await extractBoxes(await discoverDataset(SAMPLE_BUSI), { boxes: 'image' });
    const b4 = images.find((i) => i.fileName === 'benign (4).png')!;
    const [outer] = expected['benign (4).png'].boxes;
    expect(b4.boxes).toHaveLength(1);
    expect(xyxyToXywh(b4.boxes[0].xyxy)).toEqual(outer.bbox);
    expect(b4.boxes[0].area).toBe(outer.area); // the inner mask lies inside the outer one
    const b3 = images.find((i) => i.fileName === 'benign (3).png')!;
    expect(b3.boxes).toHaveLength(1);
  });

  test('classes and normal images', async () => {
    const ds = await discoverDataset(SAMPLE_BUSI);
    const onlyMalignant = await extractBoxes(ds, { classes: ['malignant'] });
    expect(onlyMalignant.images.map((i) => i.fileName)).toEqual(['malignant (1).png', 'malignant (2).png', 'malignant (3).png']);
    expect(onlyMalignant.categories).toEqual([{ id: 1, name: 'malignant' }]);
    expect(onlyMalignant.images[0].boxes[0]).toMatchObject({ label: 'malignant', classId: 1 });
    const normalAsClass = await extractBoxes(ds, { classes: ['benign', 'malignant', 'normal'] });
    expect(normalAsClass.images.filter((i) => i.label === 'normal').map((i) => i.boxes.length)).toEqual([0, 0]);
    expect(normalAsClass.problems).toEqual([]); // empty normal masks are expected, not a problem
    const withNormal = await extractBoxes(ds, { includeNormal: true });
    const normal = withNormal.images.filter((i) => i.label === 'normal');
    expect(normal.map((i) => [i.fileName, i.boxes.length, i.width, i.height])).toEqual([
      ['normal (1).png', 0, 280, 210],
      ['normal (2).png', 0, 260, 200],
    ]);
  });

  test.each([
    ['boxes', { boxes: 'polygon' }, /Expected one of component, mask, image for boxes but received "polygon"/],
    ['minArea', { minArea: -1 }, /Expected integer between 0 and 1000000000 for minArea but received -1/],
  ])('rejects a bad %s', async (_n, opts, message) => {
    await expect(extractBoxes(await discoverDataset(SAMPLE_BUSI), opts as never)).rejects.toThrow(message);
  });
});

describe('bad input: named, skipped, everything else processed, inputs untouched', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bus-bad-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const copyImage = (from: string, to: string) => {
    mkdirSync(join(root, to.split('/')[0]), { recursive: true });
    copyFileSync(join(SAMPLE_BUSI, from), join(root, to));
  };

  test('each broken file becomes a problem naming it; the good image still gets its box', async () => {
    copyImage('benign/benign (1).png', 'benign/benign (1).png');
    copyImage('benign/benign (1)_mask.png', 'benign/benign (1)_mask.png');
    const good = readFileSync(join(root, 'benign/benign (1)_mask.png'));
    const cases: Record<string, Buffer | null> = {
      'benign (2)': Buffer.alloc(0), // zero-byte mask
      'benign (3)': good.subarray(0, good.length - 30), // truncated
      'benign (4)': Buffer.from('this is a JPEG, honest'), // not a PNG: masks are PNG by content
      'benign (5)': encodeMaskPng(new Uint8Array(10 * 10).fill(1), 10, 10, 'gray1'), // wrong size
    };
    for (const [name, mask] of Object.entries(cases)) {
      copyImage('benign/benign (1).png', `benign/${name}.png`);
      writeFileSync(join(root, `benign/${name}_mask.png`), mask!);
    }
    copyImage('benign/benign (1)_mask.png', 'benign/benign (6)_mask.png'); // mask without image
    copyImage('benign/benign (1).png', 'benign/benign (7).png'); // image without mask
    copyImage('benign/benign (1).png', 'malignant/malignant (1).png');
    writeFileSync(join(root, 'malignant/malignant (1)_mask.png'), good);
    writeFileSync(join(root, 'malignant/malignant (2).png'), Buffer.alloc(0)); // zero-byte image
    writeFileSync(join(root, 'malignant/malignant (2)_mask.png'), good);
    const before = readFileSync(join(root, 'benign/benign (3)_mask.png'));

    const { images, problems, stats } = await extractBoxes(await discoverDataset(root));
    expect(images.map((i) => i.fileName)).toEqual(['benign (1).png', 'malignant (1).png']);
    expect(stats.skipped).toBe(5);
    const byCode = problems.map((p) => [p.code, p.file.slice(root.length + 1), p.severity]);
    expect(byCode).toEqual([
      ['BAD_IMAGE', 'benign/benign (2)_mask.png', 'error'],
      ['BAD_IMAGE', 'benign/benign (3)_mask.png', 'error'],
      ['UNSUPPORTED_MASK', 'benign/benign (4)_mask.png', 'error'],
      ['SIZE_MISMATCH', 'benign/benign (5)_mask.png', 'error'],
      ['MASK_WITHOUT_IMAGE', 'benign/benign (6)_mask.png', 'error'],
      ['IMAGE_WITHOUT_MASK', 'benign/benign (7).png', 'error'],
      ['BAD_IMAGE', 'malignant/malignant (2).png', 'error'],
    ]);
    expect(problems[0].message).toMatch(/benign \(2\)_mask\.png: the file is empty \(0 bytes\).*image "benign \(2\)\.png" skipped/);
    expect(problems[3].message).toMatch(/mask is 10×10 but its image is 300×230/);
    expect(problems[5].message).toMatch(/expected "benign \(7\)_mask\.png" beside it/);
    expect(readFileSync(join(root, 'benign/benign (3)_mask.png'))).toEqual(before);
  });

  test('an empty folder, a folder without masks and a missing folder are clear errors', async () => {
    await expect(discoverDataset(root)).rejects.toThrow(/no images found/);
    copyImage('benign/benign (1).png', 'benign/benign (1).png');
    await expect(discoverDataset(root)).rejects.toThrow(/found 1 images but no masks.*name_mask\.png/);
    await expect(discoverDataset(join(root, 'nope'))).rejects.toThrow(/nope: no such folder/);
    await expect(discoverDataset(join(root, 'benign/benign (1).png'))).rejects.toThrow(/is a file, not a folder/);
  });

  test('a flat folder of images with masks beside them', async () => {
    copyFileSync(join(SAMPLE_BUSI, 'malignant/malignant (2).png'), join(root, 'malignant (2).png'));
    copyFileSync(join(SAMPLE_BUSI, 'malignant/malignant (2)_mask.png'), join(root, 'malignant (2)_mask.png'));
    const { images } = await extractBoxes(await discoverDataset(root));
    expect(images.map((i) => [i.fileName, i.label, xyxyToXywh(i.boxes[0].xyxy)])).toEqual([
      ['malignant (2).png', 'malignant', expected['malignant (2).png'].boxes[0].bbox],
    ]);
  });

  test('classes: each named one must be in the dataset; by default at least one of benign and malignant', async () => {
    copyImage('malignant/malignant (2).png', 'lesions/scan (2).png');
    copyImage('malignant/malignant (2)_mask.png', 'lesions/scan (2)_mask.png');
    const ds = await discoverDataset(root);
    const noDefault = `${root} has none of the default classes benign, malignant; its classes are lesions (names are case-sensitive). Name the classes to box with --classes.`;
    await expect(extractBoxes(ds)).rejects.toMatchObject({ code: 'UNKNOWN_CLASS', message: noDefault });
    await expect(extractBoxes(ds, { classes: ['lesions', 'Lesions'] })).rejects.toThrow(
      `--classes Lesions: no such class in ${root}; its classes are lesions (names are case-sensitive)`,
    );
    expect((await extractBoxes(ds, { classes: ['lesions'] })).stats.boxes).toBe(1);
    // a fixed list (a model's classes) that the data may lack
    expect((await extractBoxes(ds, { classes: ['benign', 'malignant'], requireClasses: false })).images).toEqual([]);
  });
});
