// Reading a JSON file the user named (--sample, --evaluation, --data): a missing or unreadable file and bytes that
// are not JSON are told apart, each as an OodError that names the file, so callers only add what they expect in it.
import { readFile } from 'node:fs/promises';
import { OodError, fileError } from '../errors.js';

/** What a caller says about the file: its role in messages, and the error for text that is not JSON. */
export interface JsonFileRole {
  /** e.g. "sample file", used in "sample file not found: PATH". */
  what: string;
  notJson(path: string, err: Error): OodError;
  /** The parser (default JSON.parse); data files pass io/exact-json.ts's parseDataJson. */
  parse?: (text: string) => unknown;
}

/** The file's text and its parsed value. Throws OodError (kind input) for a missing file or invalid JSON. */
export async function readJsonFile(path: string, role: JsonFileRole): Promise<{ text: string; value: unknown }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fileError(err, path, role.what);
  }
  try {
    return { text, value: (role.parse ?? JSON.parse)(text) };
  } catch (err) {
    throw role.notJson(path, err as Error);
  }
}
