/**
 * Pascal VOC XML, one file per image. VOC coordinates are 1-based and inclusive: a lesion covering
 * pixel columns 288…338 (0-based) is `<xmin>289</xmin> … <xmax>339</xmax>`. So `xmin = x1 + 1`,
 * `xmax = x2` for a pixel-edge box `[x1, y1, x2, y2]`, and back.
 */
import type { Detection } from '../box.js';
import { BusToolsError, describeError } from '../errors.js';
import { escapeXml } from '../escape.js';
import type { AnnotatedImage } from '../dataset/types.js';
import { lazy } from '../lazy.js';


/** VOC annotation file name for an image: `benign (1).png` → `benign (1).xml`. */
export function vocFileName(imageFileName: string): string {
  return imageFileName.replace(/\.[^.]+$/, '') + '.xml';
}

/** One image's VOC XML. */
export function toVoc(img: AnnotatedImage, folder = 'images'): string {
  const objects = img.boxes
    .map((b) => {
      const [x1, y1, x2, y2] = b.xyxy;
      return `  <object>
    <name>${escapeXml(b.label ?? img.label ?? 'lesion')}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox>
      <xmin>${x1 + 1}</xmin>
      <ymin>${y1 + 1}</ymin>
      <xmax>${x2}</xmax>
      <ymax>${y2}</ymax>
    </bndbox>
  </object>
`;
    })
    .join('');
  return `<annotation>
  <folder>${escapeXml(folder)}</folder>
  <filename>${escapeXml(img.fileName)}</filename>
  <size>
    <width>${img.width}</width>
    <height>${img.height}</height>
    <depth>3</depth>
  </size>
  <segmented>0</segmented>
${objects}</annotation>
`;
}

let parser: InstanceType<ReturnType<typeof lazy.xmlParser>['XMLParser']> | undefined;

/** What the XML parser makes of a VOC file, before any checking: any part may be missing. */
interface VocXml {
  annotation?: {
    filename?: unknown;
    size?: { width?: unknown; height?: unknown };
    object?: VocXmlObject[];
  };
}
interface VocXmlObject {
  name?: unknown;
  bndbox?: { xmin?: unknown; ymin?: unknown; xmax?: unknown; ymax?: unknown };
}

/** Parses one VOC XML file. @throws BusToolsError `BAD_VOC` naming `file`. */
export function fromVoc(xml: string, file = 'VOC XML'): AnnotatedImage {
  let doc: VocXml;
  try {
    parser ??= new (lazy.xmlParser().XMLParser)({ isArray: (name: string) => name === 'object', parseTagValue: false });
    doc = parser.parse(xml);
  } catch (cause) {
    throw new BusToolsError('BAD_VOC', `${file}: not valid XML (${describeError(cause)})`, { file, cause });
  }
  const a = doc?.annotation;
  if (!a || a.filename === undefined) throw new BusToolsError('BAD_VOC', `${file}: no <annotation> with a <filename>`, { file });
  const boxes: Detection[] = (a.object ?? []).map((o: VocXmlObject, i: number) => {
    const b = o.bndbox ?? {};
    const v = [b.xmin, b.ymin, b.xmax, b.ymax].map(Number);
    if (v.some((n) => !Number.isFinite(n))) throw new BusToolsError('BAD_VOC', `${file}: object ${i + 1} has no numeric <bndbox>`, { file });
    return { xyxy: [v[0] - 1, v[1] - 1, v[2], v[3]], label: String(o.name) };
  });
  return { fileName: String(a.filename), width: Number(a.size?.width ?? 0), height: Number(a.size?.height ?? 0), boxes };
}
