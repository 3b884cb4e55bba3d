/**
 * The one escaper for text put into HTML, SVG or XML (the evaluation report, Pascal VOC files,
 * glyph atlases rendered from SVG).
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `&`, `<`, `>`, `"` and `'` as character references, so `s` is safe as element text and as an
 * attribute value in HTML, SVG and XML alike.
 * @example escapeXml('a<b & "c"') // 'a&lt;b &amp; &quot;c&quot;'
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
