// Tensors between the server and an instance process, over a Unix socket pair, as binary frames: a JSON header
// and the tensors' raw bytes, the shape of the KServe V2 binary tensor extension. They keep the server's thread
// busy less than Node's own IPC with the `advanced` V8 serialization: 0.72x for a 588 KiB ResNet input, 0.94x for
// digits' 1 KiB (bench/ipc-round-trip.mjs; a worker thread's transfer costs less still, docs/serve.md "Isolation").
// Plain JavaScript that imports nothing of ood: instance-worker.mjs runs it in the instance.
//
// Frame: u32 LE header length, u32 LE body length, header (UTF-8 JSON), body. The header is the message with the
// tensors of its field `tensorField` ("inputs" or "outputs") described: each `data` is `{ offset, length }` into the
// body (numeric types, 8-byte aligned, so the receiver views them in place) or `{ strings }` (BYTES).

/** The instance process's file descriptor of the frame socket (stdio: stdin, stdout, stderr, ipc, frames). */
export const FRAME_FD = 4;

/** @typedef {{ name: string, datatype: string, shape: number[], data: any }} FrameTensor */
/** @typedef {Record<string, any>} FrameMessage */

const TYPED = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

const PAD = Buffer.alloc(8);
const align8 = (n) => (n + 7) & ~7;

/**
 * Write one message as a frame: the tensors' bytes go out as they are (no copy into a frame buffer; the socket
 * holds the views until written, so the caller must not change them afterwards).
 * @param {import('node:net').Socket} socket
 * @param {FrameMessage} message
 * @param {string} [field] the message's field that holds its tensors
 */
export function writeFrame(socket, message, field) {
  const parts = [];
  let bodyLength = 0;
  const tensors = (field ? (message[field] ?? []) : []).map((t) => {
    const { data } = t;
    if (!ArrayBuffer.isView(data)) return { ...t, data: { strings: Array.from(data ?? [], String) } };
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const offset = bodyLength;
    parts.push(bytes);
    bodyLength += bytes.length;
    const padded = align8(bodyLength);
    if (padded > bodyLength) parts.push(PAD.subarray(0, padded - bodyLength));
    bodyLength = padded;
    return {
      name: t.name,
      datatype: t.datatype,
      shape: Array.from(t.shape, Number),
      data: { offset, length: bytes.length },
    };
  });
  const header = Buffer.from(JSON.stringify(field ? { ...message, [field]: tensors, tensorField: field } : message));
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeUInt32LE(header.length, 0);
  prefix.writeUInt32LE(bodyLength, 4);
  socket.cork();
  socket.write(prefix);
  socket.write(header);
  for (const part of parts) socket.write(part);
  socket.uncork();
}

/** The tensors of a frame, viewing its body in place (a fresh, aligned ArrayBuffer). */
function tensorsOf(tensors, body) {
  return (tensors ?? []).map((t) => {
    if (t.data?.strings) return { ...t, data: t.data.strings };
    const Ctor = TYPED[t.datatype] ?? Uint8Array;
    const data = new Ctor(body, t.data.offset, t.data.length / Ctor.BYTES_PER_ELEMENT);
    return { ...t, data };
  });
}

/**
 * Call `onFrame` with each message read from the socket. Chunks are kept as they arrive and copied once, into the
 * frame's own body buffer, when the frame is complete.
 * @param {import('node:net').Socket} socket
 * @param {(message: FrameMessage) => void} onFrame
 */
export function readFrames(socket, onFrame) {
  const chunks = [];
  let buffered = 0;
  /** The next n bytes, copied into `into` (or a new Uint8Array); n <= buffered. */
  const take = (n, into = new Uint8Array(n)) => {
    let filled = 0;
    while (filled < n) {
      const chunk = chunks[0];
      const used = Math.min(chunk.length, n - filled);
      into.set(used === chunk.length ? chunk : chunk.subarray(0, used), filled);
      filled += used;
      if (used === chunk.length) chunks.shift();
      else chunks[0] = chunk.subarray(used);
    }
    buffered -= n;
    return into;
  };
  let headerLength = -1;
  let bodyLength = 0;
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (headerLength < 0) {
        if (buffered < 8) return;
        const prefix = Buffer.from(take(8).buffer);
        headerLength = prefix.readUInt32LE(0);
        bodyLength = prefix.readUInt32LE(4);
      }
      if (buffered < headerLength + bodyLength) return;
      const header = JSON.parse(Buffer.from(take(headerLength).buffer).toString('utf8'));
      const body = new ArrayBuffer(bodyLength);
      if (bodyLength > 0) take(bodyLength, new Uint8Array(body));
      headerLength = -1;
      const field = header.tensorField;
      if (field) {
        header[field] = tensorsOf(header[field], body);
        delete header.tensorField;
      }
      onFrame(header);
    }
  });
}
