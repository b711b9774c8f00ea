// archiver (through compress-commons and crc32-stream) computes every zip entry's CRC-32 with the pure-JS `crc-32`
// package, about 4-6x slower than Node's zlib.crc32 (native, Node >= 20.15; measured in docs/performance.md). For
// a 300 MB model that is most of a second per prepare. archiver takes no precomputed CRC for a streamed entry, so we
// route `crc-32`'s buf() through zlib.crc32. Same polynomial (ISO-HDLC, as in PKWARE APPNOTE 6.3 4.4.7), same
// signed-int32 result, so the zip is byte-identical; a self-check on a test vector keeps the JS one otherwise.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

type CrcBuf = (data: unknown, seed?: unknown) => number;
interface Crc32Module {
  buf: CrcBuf;
}

let installed = false;

/** `crc-32`'s buf() computed by zlib: same arguments (seed: a previous signed or unsigned CRC), same signed result. */
export function nativeCrc32Buf(original: CrcBuf): CrcBuf {
  return (data, seed) => {
    if (!ArrayBuffer.isView(data)) return original(data, seed); // arrays and strings: leave them to the JS version
    // crc32-stream passes a Buffer as the first seed; `crc-32` reads a non-number seed as 0.
    const start = typeof seed === 'number' ? seed >>> 0 : 0;
    return zlib.crc32(data as NodeJS.ArrayBufferView, start) | 0;
  };
}

/** Make archiver's CRC-32 native (idempotent). Returns whether the native path is in use. */
export function useNativeCrc32(): boolean {
  if (installed) return true;
  if (typeof zlib.crc32 !== 'function') return false;
  let crc: Crc32Module;
  try {
    // Resolved along archiver -> zip-stream -> compress-commons, so that we patch the very module object it uses.
    let from = createRequire(import.meta.url);
    for (const dep of ['archiver', 'zip-stream', 'compress-commons']) from = createRequire(from.resolve(dep));
    crc = from('crc-32') as Crc32Module;
  } catch {
    return false;
  }
  const original = crc.buf;
  const native = nativeCrc32Buf(original);
  const probe = Buffer.from('123456789');
  if (
    native(probe) !== original(probe) ||
    native(probe, original(probe.subarray(0, 4))) !== original(probe, original(probe.subarray(0, 4)))
  )
    return false;
  crc.buf = native;
  installed = true;
  return true;
}
