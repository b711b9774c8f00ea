// The running ood version, read once from package.json so that artifacts and metadata record the truth.
import { oodPackage } from './io/package-files.js';

function readVersion(): string {
  try {
    return oodPackage().version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The version of ood that is running. */
export const OOD_VERSION: string = readVersion();
