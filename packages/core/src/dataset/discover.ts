/**
 * Finds images and their masks in a BUSI-style folder.
 *
 * Two layouts are understood, at any depth below the root:
 * - class folders: `benign/benign (1).png` with `benign/benign (1)_mask.png`, `…_mask_1.png`, …
 *   (the class is the folder name);
 * - one folder of images with masks beside them (the class is the leading word of the file name,
 *   `benign (1).png` → `benign`, else `lesion`).
 * Files are found by `walkFiles`: links are followed, each real file is seen once (by the path
 * through the fewest links), hidden names are skipped.
 */
import { statSync } from 'node:fs';
import { basename, extname, relative, resolve, sep } from 'node:path';
import { BusToolsError, describeError } from '../errors.js';
import { walkFiles, type WalkedFile } from '../fs/walk.js';
import { naturalCompare } from '../natural.js';
import { checkArgument, isPath } from '../validate.js';
import type { Problem } from './types.js';

const IMAGE_EXT = /\.(png|jpe?g|bmp|tiff?|webp)$/i;
const MASK_NAME = /^(.*)_mask(?:_(\d+))?$/i;

export interface MaskFile {
  /** Absolute path. */
  path: string;
  /** 0 for `name_mask.png`, N for `name_mask_N.png`. */
  index: number;
}

export interface DatasetImage {
  /** Absolute path of the image. */
  path: string;
  /** Path relative to the dataset root, with `/` separators. */
  relPath: string;
  /** File name, the name Datature matches annotations by. */
  fileName: string;
  /** Class: folder name (`benign`, `malignant`, `normal`) or, flat layout, leading word of the name. */
  label: string;
  /** Masks in index order (`_mask`, `_mask_1`, `_mask_2`, …). */
  masks: MaskFile[];
}

export interface Dataset {
  root: string;
  /** Images with at least one mask (and `normal` images without one), naturally sorted. */
  images: DatasetImage[];
  /** Class names found, naturally sorted. */
  labels: string[];
  /** Masks without an image, images without masks. */
  problems: Problem[];
}

/** Class of an image: its folder's name, or for files directly in the root, the name's first word. */
function labelFor(rel: string): string {
  const slash = rel.lastIndexOf('/');
  if (slash >= 0) {
    const dir = rel.slice(0, slash);
    return dir.slice(dir.lastIndexOf('/') + 1);
  }
  const word = /^([A-Za-z]+)/.exec(rel);
  return word ? word[1].toLowerCase() : 'lesion';
}

/**
 * Scans `root` for images and masks.
 *
 * @example
 *   const ds = await discoverDataset('Dataset_BUSI_with_GT');
 *   ds.images[0]; // { fileName: 'benign (1).png', label: 'benign', masks: [{ index: 0, … }], … }
 * @throws BusToolsError `INPUT_NOT_FOUND`, `NOT_A_FOLDER`, `UNREADABLE`, `NO_IMAGES` or `NOT_A_DATASET`.
 */
export async function discoverDataset(root: string): Promise<Dataset> {
  checkArgument('discoverDataset', root, isPath, 'a dataset folder path such as "Dataset_BUSI_with_GT"');
  const abs = resolve(root);
  let st;
  try {
    st = statSync(abs);
  } catch (cause) {
    throw new BusToolsError('INPUT_NOT_FOUND', `${root}: no such folder. Pass the folder that holds benign/, malignant/ and normal/ (e.g. Dataset_BUSI_with_GT).`, { file: abs, cause });
  }
  if (!st.isDirectory()) {
    throw new BusToolsError('NOT_A_FOLDER', `${root}: is a file, not a folder. Pass the dataset folder that holds benign/, malignant/ and normal/.`, { file: abs });
  }
  let files: WalkedFile[];
  try {
    files = walkFiles(abs);
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${root}: cannot be read (${describeError(cause)}). Check the folder's permissions.`, { file: abs, cause });
  }

  // Plain string work instead of path.join/extname/basename: the names come straight from disk, so
  // there is nothing to normalize, and run cold on every file those calls were most of discovery's time.
  const images = new Map<string, DatasetImage>(); // key: dir/base
  const masks: Array<{ key: string; mask: MaskFile }> = [];
  for (const { relPath: rel, path } of files) {
    const ext = IMAGE_EXT.exec(rel);
    if (!ext) continue;
    const stem = rel.slice(0, -ext[0].length);
    const m = MASK_NAME.exec(stem);
    if (m) {
      masks.push({ key: m[1], mask: { path, index: m[2] === undefined ? 0 : Number(m[2]) } });
    } else {
      images.set(stem, { path, relPath: rel, fileName: rel.slice(rel.lastIndexOf('/') + 1), label: labelFor(rel), masks: [] });
    }
  }
  if (images.size === 0 && masks.length === 0) {
    throw new BusToolsError('NO_IMAGES', `${root}: no images found (looked for .png, .jpg, .bmp, .tif, .webp files in it and its subfolders).`, { file: abs });
  }
  if (masks.length === 0) {
    throw new BusToolsError(
      'NOT_A_DATASET',
      `${root}: found ${images.size} images but no masks. bus-tools expects each image "name.png" to have its lesion mask "name_mask.png" beside it, as in Kaggle's Dataset_BUSI_with_GT.`,
      { file: abs },
    );
  }

  const problems: Problem[] = [];
  for (const { key, mask } of masks) {
    const image = images.get(key);
    if (image) image.masks.push(mask);
    else {
      problems.push({
        file: mask.path,
        code: 'MASK_WITHOUT_IMAGE',
        severity: 'error',
        message: `${mask.path}: mask without its image (expected "${basename(key)}.png" in the same folder); skipped. Restore the image or remove the stray mask.`,
      });
    }
  }
  const kept: DatasetImage[] = [];
  for (const image of images.values()) {
    image.masks.sort((a, b) => a.index - b.index);
    if (image.masks.length > 0 || image.label === 'normal') {
      kept.push(image);
      continue;
    }
    const stem = image.fileName.slice(0, -extname(image.fileName).length);
    problems.push({
      file: image.path,
      code: 'IMAGE_WITHOUT_MASK',
      severity: 'error',
      message: `${image.path}: image without a mask (expected "${stem}_mask.png" beside it); skipped. Add its mask, or move it to normal/ if it shows no lesion.`,
    });
  }
  kept.sort((a, b) => naturalCompare(a.relPath, b.relPath));
  problems.sort((a, b) => naturalCompare(a.file, b.file));
  const labels = [...new Set(kept.map((i) => i.label))].sort(naturalCompare);
  return { root: abs, images: kept, labels, problems };
}

/** `relative()` with `/` separators, for messages and manifests. */
export function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
