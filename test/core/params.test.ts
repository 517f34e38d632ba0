import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequest } from '../../src/core/errors.js';
import { Params } from '../../src/core/params.js';

describe('Params: request parameters as the endpoints read them', () => {
  it('reads own properties only: a plain object inherits constructor, toString... (issue 9)', () => {
    const params = new Params(JSON.parse('{"grant_type":"x"}') as Record<string, unknown>);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf']) {
      assert.equal(params.get(name), undefined, name);
      assert.equal(params.peek(name), undefined, name);
      assert.deepEqual(params.getAll(name), [], name);
      assert.equal(params.isDuplicated(name), false, name);
    }
    assert.equal(params.get('grant_type'), 'x');
  });

  it('reads an own property named like an inherited one', () => {
    const params = new Params(JSON.parse('{"constructor":"c","hasOwnProperty":"h"}') as Record<string, unknown>);
    assert.equal(params.get('constructor'), 'c');
    assert.equal(params.get('hasOwnProperty'), 'h');
  });

  it('a value that is not a string throws invalid_request naming the parameter; null and empty are absent', () => {
    const params = new Params({ n: 1, b: false, o: {}, nested: [['x']], mixed: ['', 2], nul: null, empty: '' });
    for (const name of ['n', 'b', 'o', 'nested', 'mixed']) {
      assert.throws(
        () => params.get(name),
        (err) => err instanceof InvalidRequest && err.description === `Parameter must be a string: ${name}.`,
      );
    }
    assert.equal(params.get('nul'), undefined);
    assert.equal(params.get('empty'), undefined);
    assert.equal(params.firstNotAString(), 'n');
    assert.equal(new Params({ a: 'x', b: ['x', 'y', null, ''], c: null }).firstNotAString(), undefined);
  });

  it('peek never throws: one string, or nothing', () => {
    const params = new Params({ o: {}, n: 5, one: ['', 's'], two: ['a', 'b'], s: 'v', a: [{}] });
    assert.equal(params.peek('o'), undefined);
    assert.equal(params.peek('n'), undefined);
    assert.equal(params.peek('one'), 's');
    assert.equal(params.peek('two'), undefined);
    assert.equal(params.peek('s'), 'v');
    assert.equal(params.peek('a'), undefined);
  });

  it('a repeated parameter is refused by get and found by firstDuplicate', () => {
    const params = new Params({ scope: ['a', 'b'], state: ['', 'x'] });
    assert.throws(() => params.get('scope'), /more than once: scope/);
    assert.equal(params.get('state'), 'x');
    assert.equal(params.firstDuplicate(), 'scope');
    assert.equal(params.firstDuplicate(['scope']), undefined);
    assert.deepEqual(params.getAll('scope'), ['a', 'b']);
  });
});
