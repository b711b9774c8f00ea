// Runs once before the suite. `npm test` builds first; this guards against running vitest on a stale tree.
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (!existsSync(new URL('../dist/src/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does this for you).');
  }
}
