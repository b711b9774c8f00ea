// The worker side of sha256-thread.ts: hashes ranges of a SharedArrayBuffer that the receiving thread fills, in
// the order they are posted, and answers each one so that the range can be reused. Plain JavaScript importing
// nothing of ood, so Node starts it whether ood runs from source or from dist/.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const memory = new Uint8Array(workerData.memory);
let hash = createHash('sha256');

parentPort.on('message', (message) => {
  if (message.op === 'update') {
    hash.update(memory.subarray(message.offset, message.offset + message.length));
    parentPort.postMessage({ op: 'updated' });
  } else if (message.op === 'digest') {
    parentPort.postMessage({ op: 'digest', hex: hash.digest('hex') });
    hash = createHash('sha256');
  }
});
