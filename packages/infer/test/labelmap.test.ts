import { labeler, labelMapCategories, parseLabelList, parseLabelMap, parsePbtxtLabelMap } from '@bus-tools/infer';

describe('parseLabelMap', () => {
  test.each<[string, string, Array<[number, string]>]>([
    ['the tutorial map, double quotes', 'item { id: 1 name: "benign" }\nitem { id: 2 name: "malignant" }', [[1, 'benign'], [2, 'malignant']]],
    ['single quotes', "item {\n  id: 1\n  name: 'benign'\n}\nitem {\n  id: 2\n  name: 'malignant'\n}\n", [[1, 'benign'], [2, 'malignant']]],
    ['mixed quotes, ids out of order', `item { name: 'b' id: 2 } item { id: 1 name: "a" }`, [[2, 'b'], [1, 'a']]],
    ['display_name wins over name', 'item { id: 1 name: "/m/01" display_name: "benign" }', [[1, 'benign']]],
    ['comments and a quote inside the other quote', "# map\nitem { id: 3 name: \"it's\" } # trailing", [[3, "it's"]]],
    ['escaped quote', 'item { id: 1 name: "a \\"b\\"" }', [[1, 'a "b"']]],
    ['plain list: line 1 is id 1', 'benign\nmalignant\n', [[1, 'benign'], [2, 'malignant']]],
    ['plain list with background first', '__background__\nbenign\r\nmalignant', [[0, '__background__'], [1, 'benign'], [2, 'malignant']]],
    ['plain list skips blanks and # lines', '# classes\n\nbenign\n  \nmalignant', [[1, 'benign'], [2, 'malignant']]],
  ])('%s', (_name, text, expected) => {
    expect([...parseLabelMap(text, 'test.pbtxt')]).toEqual(expected);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['pbtxt item without a name', () => parsePbtxtLabelMap('item { id: 1 }', 'lm.pbtxt'), /^lm\.pbtxt: item 1 \(id: 1\) needs an id and a quoted name/],
    ['pbtxt item with an unquoted name', () => parsePbtxtLabelMap('item { id: 1 name: benign }', 'lm.pbtxt'), /needs an id and a quoted name/],
    ['pbtxt without items', () => parsePbtxtLabelMap('id: 1', 'lm.pbtxt'), /^lm\.pbtxt: no "item/],
    ['empty list', () => parseLabelList('\n# nothing\n', 'classes.txt'), /^classes\.txt: no class names found/],
  ])('%s is an error naming the file', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('labeler', () => {
  test('names from the map; missing ids become "class N" with one warning each', () => {
    const warnings: string[] = [];
    const name = labeler(new Map([[1, 'benign']]), (m) => warnings.push(m));
    expect([name(1), name(3), name(3), name(4)]).toEqual(['benign', 'class 3', 'class 3', 'class 4']);
    expect(warnings).toEqual(['class id 3 is not in the label map; naming it "class 3"', 'class id 4 is not in the label map; naming it "class 4"']);
  });

  test('without a map every id is "class N", silently', () => {
    const warnings: string[] = [];
    expect(labeler(undefined, (m) => warnings.push(m))(2)).toBe('class 2');
    expect(warnings).toEqual([]);
  });

  test('categories leave out background', () => {
    expect(labelMapCategories(parseLabelList('background\nbenign\nmalignant'))).toEqual([{ id: 1, name: 'benign' }, { id: 2, name: 'malignant' }]);
  });
});
