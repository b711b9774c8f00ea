// ModelHost: the in-process model behind a server, loaded through the artifact's score.mjs.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { ModelHost } from '../../src/serve/model-host.js';
import { ServeService } from '../../src/serve/service.js';
import { createRouter } from '../../src/serve/router.js';
import { drumRoutes } from '../../src/serve/protocols/drum.js';
import { normalizePath } from '../../src/serve/http.js';

let dir: string;
beforeAll(async () => {
  dir = await makeArtifact(DIGITS, { name: 'digits' });
});

describe('ModelHost', () => {
  it('loads the digits artifact and warms it up', async () => {
    const host = new ModelHost(dir);
    await host.load();
    expect(host.state).toBe('ready');
    expect(host.description.name).toBe('digits');
  });

  it('hand --threads to score.mjs as onnxruntime session options', async () => {
    const score = `export async function load(dir, { ort, sessionOptions }) {
      if (sessionOptions?.intraOpNumThreads !== 1) throw new Error('got ' + JSON.stringify(sessionOptions));
      return { ort, session: await ort.InferenceSession.create(dir + '/model.onnx', sessionOptions) };
    }
    export async function predict({ ort, session }, request) {
      const t = request.inputs[0];
      const out = await session.run({ [t.name]: new ort.Tensor('float32', t.data, t.shape) });
      return { outputs: Object.entries(out).map(([name, v]) => ({ name, datatype: 'FP32', shape: v.dims, data: v.data })) };
    }`;
    const custom = await makeArtifact(DIGITS, { name: 'digits', score });
    const withThreads = new ModelHost(custom, () => {}, { intraOpNumThreads: 1 });
    await withThreads.load();
    expect(withThreads.state).toBe('ready');
    const without = new ModelHost(custom);
    await without.load();
    expect(without.loadError?.message).toMatch(/got undefined/);
  });

  it('record a failed load with its reason and keep answering /health with 513', async () => {
    const host = new ModelHost(join(ROOT, 'test/fixtures')); // no runtime.yaml, no schemas, no score.mjs
    await host.load();
    expect(host.state).toBe('failed');
    expect(host.loadError?.message).toMatch(/cannot read input_schema.json/);
    const route = createRouter(drumRoutes(new ServeService(host, { maxBody: 1024 })));
    const health = (
      await route({ method: 'GET', ...normalizePath('/health'), headers: {}, body: Buffer.alloc(0), requestId: 't' })
    ).response;
    expect(health.status).toBe(513);
    expect(JSON.parse(String(health.body)).error).toMatch(/input_schema.json/);
  });
});
