/**
 * Label maps: class id (1-based) → name. Two file kinds:
 *
 * - TF Object Detection API `label_map.pbtxt`: `item { id: 1 name: "benign" }`, names quoted with
 *   `"` or `'`, optional `display_name` (preferred when present), comments after `#`;
 * - a plain list, one name per line, the first line being id 1 (`background` / `__background__` on
 *   the first line is id 0, as torchvision class lists write it). Blank lines and `#` lines are skipped.
 */
import { readFileSync } from 'node:fs';
import { BusToolsError, describeError, type Category } from '@bus-tools/core';

export type LabelMap = Map<number, string>;

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(["'\\])/g, '$1');
}

/**
 * Parses a `.pbtxt` label map.
 * @example parsePbtxtLabelMap(`item { id: 1 name: 'benign' } item { id: 2 name: "malignant" }`)
 *   // → Map { 1 → 'benign', 2 → 'malignant' }
 * @throws BusToolsError `BAD_LABEL_MAP` naming `file` when an item lacks an id or a name.
 */
export function parsePbtxtLabelMap(text: string, file = 'label map'): LabelMap {
  const src = text.replace(/#[^\n]*/g, '');
  const map: LabelMap = new Map();
  const itemRe = /\bitem\s*\{([^}]*)\}/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = itemRe.exec(src))) {
    n++;
    const body = m[1];
    const id = /\bid\s*:\s*(-?\d+)/.exec(body);
    const name = /(?:^|[\s{;,])name\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/.exec(body);
    const display = /\bdisplay_name\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/.exec(body);
    if (!id || !(name || display)) {
      throw new BusToolsError('BAD_LABEL_MAP', `${file}: item ${n} (${body.trim().replace(/\s+/g, ' ')}) needs an id and a quoted name, e.g. item { id: 1 name: "benign" }`, { file });
    }
    map.set(Number(id[1]), unquote((display ?? name)![1]));
  }
  if (n === 0) throw new BusToolsError('BAD_LABEL_MAP', `${file}: no "item { id: … name: … }" entries found`, { file });
  return map;
}

/**
 * Parses a plain class list: line 1 is id 1, unless it is `background`/`__background__` (then id 0).
 * @example parseLabelList('benign\nmalignant\n') // → Map { 1 → 'benign', 2 → 'malignant' }
 */
export function parseLabelList(text: string, file = 'label list'): LabelMap {
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
  if (names.length === 0) throw new BusToolsError('BAD_LABEL_MAP', `${file}: no class names found (expected one name per line)`, { file });
  const first = /^_*background_*$/i.test(names[0]) ? 0 : 1;
  return new Map(names.map((name, i) => [i + first, name]));
}

/** Parses either kind: `.pbtxt` content is recognised by its `item {` blocks. */
export function parseLabelMap(text: string, file = 'label map'): LabelMap {
  return /\bitem\s*\{/.test(text) ? parsePbtxtLabelMap(text, file) : parseLabelList(text, file);
}

/** Reads and parses a label map file (`--label`). */
export function loadLabelMap(path: string): LabelMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `--label ${path}: cannot be read (${describeError(cause)})`, { file: path, cause });
  }
  return parseLabelMap(text, path);
}

/** The label map as categories, by id. */
export function labelMapCategories(map: LabelMap): Category[] {
  return [...map].filter(([id]) => id > 0).sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id, name }));
}

/**
 * A lookup that names ids missing from `map` `class N` and warns once per missing id.
 * @example const name = labeler(map, (m) => console.warn(m)); name(3) // 'class 3', warns once
 */
export function labeler(map: LabelMap | undefined, warn: (message: string) => void = () => {}): (classId: number) => string {
  const warned = new Set<number>();
  return (id) => {
    const name = map?.get(id);
    if (name !== undefined) return name;
    if (map && !warned.has(id)) {
      warned.add(id);
      warn(`class id ${id} is not in the label map; naming it "class ${id}"`);
    }
    return `class ${id}`;
  };
}
