/**
 * Vector bytes: every vector is stored as little-endian float32 in a BLOB, on both engines.
 * Turso stores a bound Float32Array as garbage, so vectors always cross the boundary as Buffers.
 */
import { invalid } from '../util/errors.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Float32 little-endian bytes of `vec`, as a Buffer that owns its memory. */
export function vectorToBlob(vec: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(vec.length * 4);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(vec.buffer, vec.byteOffset, vec.byteLength));
  } else {
    for (let i = 0; i < vec.length; i++) out.writeFloatLE(vec[i]!, i * 4);
  }
  return out;
}

/**
 * Float32 little-endian bytes of `vec` to bind right away: a view of its memory where the
 * platform is little-endian (no copy), else a copy. The vector must not change while in use.
 */
export function vectorBytes(vec: Float32Array): Buffer {
  return LITTLE_ENDIAN ? Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength) : vectorToBlob(vec);
}

/** Reads a float32 LE BLOB back (copying, so the result is aligned and owned). */
export function blobToVector(blob: Uint8Array): Float32Array {
  if (blob.byteLength % 4 !== 0) throw invalid(`vector blob of ${blob.byteLength} bytes is not float32`);
  const out = new Float32Array(blob.byteLength / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(blob);
  } else {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}
