// Jest's node environment gives each test file its own realm, so a Float32Array made in a test is
// not `instanceof` the Float32Array that onnxruntime-node checks against ("a float32 tensor's data
// must be type of Float32Array"). Share the outer realm's binary constructors with the tests.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Buffer',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedBinaryEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedBinaryEnvironment;
