import { arrayParam } from '../../src/results/postgres-array-param';

describe('arrayParam (PostgreSQL array literals for bulk upserts)', () => {
  it('writes strings, numbers and nulls as one literal, quoting as the array literal does', () => {
    expect(arrayParam(['a', '"q"', 'back\\slash', '{x,y}', 'NULL', '', null, undefined])).toBe('{"a","\\"q\\"","back\\\\slash","{x,y}","NULL","",null,null}');
    expect(arrayParam([1, 2.5, 1e-7, null])).toBe('{1,2.5,1e-7,null}');
    expect(arrayParam(['\\n is two characters', 'é 😀'])).toBe('{"\\\\n is two characters","é 😀"}');
  });

  it('gives back a column whose text needs another escape, or a number JSON cannot write, for pg to serialize', () => {
    for (const column of [['line\nbreak'], ['tab\t'], ['\u0001'], ['\ud800'], [1, Number.NaN], [Infinity], ['\\\\\n']]) expect(arrayParam(column)).toBe(column);
  });
});
