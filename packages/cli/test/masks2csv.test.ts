import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_BUSI, SAMPLE_EXPECTED } from '../../../fixtures/index.js';
import { runCli } from './helpers.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-cli-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('bus-tools masks2csv', () => {
  test('CSV on stdout, one-line summary on stderr', async () => {
    const r = await runCli('masks2csv', SAMPLE_BUSI);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('filename,xmin,ymin,width,height,label');
    expect(lines).toHaveLength(12);
    expect(lines[1]).toMatch(/^benign \(1\)\.png,\d+,\d+,\d+,\d+,benign$/);
    expect(r.stderr).toBe('masks2csv: 9 images, 11 masks → 11 boxes (component boxes, min-area 50); 4 specks dropped; 0 problems\n');
  });

  test('-o writes the file; --json gives the summary to scripts', async () => {
    const out = join(tmp, 'boxes.csv');
    const r = await runCli('masks2csv', SAMPLE_BUSI, '-o', out, '--json', '--layout', 'four-corner');
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('filename,xmin,ymin,xmax,ymax,label');
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'masks2csv', images: 9, masks: 11, boxes: 11, specksDropped: 4, skippedFiles: 0, layout: 'four-corner' });
    expect(readdirSync(tmp)).toEqual(['boxes.csv']); // no temp file left
  });

  test('--boxes and --min-area change the boxes', async () => {
    // The generator's own record of each image's lesions and specks (fixtures/sample-busi-expected.json).
    const made = SAMPLE_EXPECTED;
    const rows = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.replace(/^"|"(?=,)/g, '').split(','));
    const lesion = Object.entries(made).filter(([, v]) => v.boxes.length > 0);
    // --min-area 0: every lesion box, and one more box for each speck
    const all = rows((await runCli('masks2csv', SAMPLE_BUSI, '--min-area', '0')).stdout);
    for (const [file, v] of lesion) {
      const mine = all.filter((r) => r[0] === file);
      for (const b of v.boxes) expect(mine.map((r) => r.slice(1, 5).map(Number))).toContainEqual(b.bbox);
      expect([file, mine.length]).toEqual([file, v.boxes.length + v.boxes.reduce((n, b) => n + b.specks, 0)]);
    }
    // --boxes image: one box per image, around all of its lesions
    const image = rows((await runCli('masks2csv', SAMPLE_BUSI, '--boxes', 'image')).stdout);
    expect(image).toEqual(
      lesion.map(([file, v]) => {
        const [x1, y1, x2, y2] = [Math.min(...v.boxes.map((b) => b.bbox[0])), Math.min(...v.boxes.map((b) => b.bbox[1])), Math.max(...v.boxes.map((b) => b.bbox[0] + b.bbox[2])), Math.max(...v.boxes.map((b) => b.bbox[1] + b.bbox[3]))];
        return [file, String(x1), String(y1), String(x2 - x1), String(y2 - y1), v.label];
      }),
    );
  });

  test.each([
    [['--min-area', '-5'], /Expected integer between 0 and 1000000000 for --min-area but received -5 \[INVALID_PARAMETER\]/],
    [['--min-area', 'abc'], /Expected integer between 0 and 1000000000 for --min-area but received "abc" \[INVALID_PARAMETER\]/],
    [['--boxes', 'polygon'], /Invalid values:[\s\S]*boxes[\s\S]*polygon/],
    [['--json'], /--json prints the summary on stdout, where the CSV goes without -o: add -o out\.csv/],
    [['--frobnicate'], /Unknown argument: frobnicate/],
  ])('usage error %j exits 2 with a clear message', async (extra, message) => {
    const r = await runCli('masks2csv', SAMPLE_BUSI, ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  test('-o inside the dataset or over an existing file is refused; --force replaces', async () => {
    const data = join(tmp, 'data');
    cpSync(SAMPLE_BUSI, data, { recursive: true });
    const inside = await runCli('masks2csv', data, '-o', join(data, 'boxes.csv'));
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/lies inside the dataset .*; bus-tools never writes into its inputs/);
    expect(existsSync(join(data, 'boxes.csv'))).toBe(false);
    const out = join(tmp, 'boxes.csv');
    writeFileSync(out, 'precious');
    const exists = await runCli('masks2csv', data, '-o', out);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/boxes\.csv already exists; pass --force to replace it/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect((await runCli('masks2csv', data, '-o', out, '--force')).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^filename,xmin/);
  });

  test('a corrupt mask is named and skipped, the rest is written, exit code 3', async () => {
    const data = join(tmp, 'data');
    cpSync(SAMPLE_BUSI, data, { recursive: true });
    const mask = join(data, 'benign', 'benign (3)_mask_1.png');
    writeFileSync(mask, readFileSync(mask).subarray(0, 40));
    const r = await runCli('masks2csv', data);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: ${mask}: truncated PNG`);
    expect(r.stderr).toMatch(/image "benign \(3\)\.png" skipped/);
    expect(r.stderr).toMatch(/masks2csv: 8 images, 9 masks → 9 boxes .* 1 problem \(1 skipped\)/);
    expect(r.stdout).not.toContain('benign (3).png');
    expect(r.stdout).toContain('benign (4).png');
  });

  test('a missing or non-dataset folder is bad usage: exit code 2', async () => {
    const r = await runCli('masks2csv', join(tmp, 'missing'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing: no such folder/);
    writeFileSync(join(tmp, 'photo.png'), readFileSync(join(SAMPLE_BUSI, 'benign', 'benign (1).png')));
    const flat = await runCli('masks2csv', tmp);
    expect(flat.code).toBe(2);
    expect(flat.stderr).toMatch(/found 1 images but no masks/);
  });
});

describe('bus-tools export', () => {
  test.each([
    ['datature-csv-wh', 'CSV Width Height - Bounding Box', 'annotations.csv'],
    ['datature-csv-4c', 'CSV Four Corner - Bounding Box', 'annotations.csv'],
    ['coco', 'COCO', 'annotations.json'],
    ['voc', 'Pascal VOC', 'annotations'],
    ['yolo', 'YOLO Darknet', 'labels'],
  ])('--format %s writes images, annotations and UPLOAD.md', async (format, option, annotations) => {
    const out = join(tmp, 'upload');
    const r = await runCli('export', SAMPLE_BUSI, '--format', format, '-o', out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['UPLOAD.md', 'images', annotations]));
    expect(readdirSync(join(out, 'images'))).toHaveLength(9);
    expect(readFileSync(join(out, 'UPLOAD.md'), 'utf8')).toContain(`**${option}**`);
    expect(r.stderr).toMatch(new RegExp(`export: 9 images, 11 boxes \\(4 specks dropped\\) → .* as ${format}; 0 problems\\. Upload images/ first, then the annotations as "${option.replace(/[()]/g, '\\$&')}"`));
  });

  test('--include-normal adds the normal images; --json summary', async () => {
    const out = join(tmp, 'upload');
    const r = await runCli('export', SAMPLE_BUSI, '--format', 'coco', '--include-normal', '-o', out, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 11, boxes: 11, format: 'coco', datatureOption: 'COCO' });
    const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8'));
    expect(coco.images).toHaveLength(11);
  });

  test('an output folder that holds the dataset is refused, even with --force', async () => {
    const data = join(tmp, 'data');
    cpSync(SAMPLE_BUSI, data, { recursive: true });
    const r = await runCli('export', data, '-o', tmp, '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/contains the dataset .*; writing there would replace your inputs/);
    expect(readdirSync(join(data, 'benign')).length).toBeGreaterThan(0);
  });

  test('an existing output folder needs --force; a file is refused', async () => {
    const out = join(tmp, 'upload');
    expect((await runCli('export', SAMPLE_BUSI, '-o', out)).code).toBe(0);
    const again = await runCli('export', SAMPLE_BUSI, '-o', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; pass --force/);
    expect((await runCli('export', SAMPLE_BUSI, '-o', out, '--force', '--format', 'voc')).code).toBe(0);
    expect(readdirSync(out)).toContain('annotations');
    expect(readdirSync(out)).not.toContain('annotations.csv');
    const file = join(tmp, 'file.txt');
    writeFileSync(file, 'x');
    expect((await runCli('export', SAMPLE_BUSI, '-o', file)).stderr).toMatch(/is an existing file; the export needs a folder/);
  });

  test('bus-tools --help lists the commands; no command, or a command without its dataset, is a usage error', async () => {
    const help = await runCli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/masks2csv <dataset>/);
    expect(help.stdout).toMatch(/export <dataset>/);
    const none = await runCli();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Choose a command/);
    for (const command of ['masks2csv', 'export', 'lint', 'split']) {
      const bare = await runCli(command);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toMatch(new RegExp(`^bus-tools: ${command} needs <dataset>: bus-tools ${command} <dataset> \\[options\\] \\[INVALID_PARAMETER\\]\n`));
    }
    const typo = await runCli('mask2csv', SAMPLE_BUSI);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^bus-tools: Unknown command "mask2csv"; did you mean masks2csv\? The commands are: masks2csv, export/);
  });
});
