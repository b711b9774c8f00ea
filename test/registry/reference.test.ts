// Reference parsing: local names vs registry hosts, tags, digests, and clear usage errors.
import { describe, expect, it } from 'vitest';
import { formatReference, parseReference } from '../../src/index.js';
import { isLoopbackHost } from '../../src/registry/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('artifact references', () => {
  it('treats a name without a host as the local store and defaults the tag to latest', () => {
    expect(parseReference('digits:1.0')).toEqual({
      host: undefined,
      repository: 'digits',
      tag: '1.0',
      digest: undefined,
    });
    expect(parseReference('team/digits')).toMatchObject({ host: undefined, repository: 'team/digits', tag: 'latest' });
  });

  it('recognises a registry host by a dot, a port or localhost, as docker does', () => {
    expect(parseReference('127.0.0.1:5000/team/digits:1.0')).toEqual({
      host: '127.0.0.1:5000',
      repository: 'team/digits',
      tag: '1.0',
      digest: undefined,
    });
    expect(parseReference('localhost/digits:2')).toMatchObject({ host: 'localhost', repository: 'digits' });
    expect(parseReference('registry.example.com/a/b/c:v1')).toMatchObject({
      host: 'registry.example.com',
      repository: 'a/b/c',
    });
    expect(parseReference('[::1]:5000/digits:1')).toMatchObject({ host: '[::1]:5000', repository: 'digits' });
  });

  it('parses digest references, with or without a tag, and prints them back the same', () => {
    const ref = parseReference(`127.0.0.1:5000/team/digits@${DIGEST}`);
    expect(ref).toMatchObject({ tag: undefined, digest: DIGEST });
    expect(formatReference(ref)).toBe(`127.0.0.1:5000/team/digits@${DIGEST}`);
    expect(parseReference(`digits:1.0@${DIGEST}`)).toMatchObject({ tag: '1.0', digest: DIGEST });
  });

  it('rejects malformed references with a usage error that shows both forms', () => {
    for (const bad of ['', 'Digits:1.0', 'digits:', 'digits@sha256:xyz', 'digits:bad tag', 'a//b:1']) {
      expect(() => parseReference(bad), bad).toThrowError(
        expect.objectContaining({ code: 'BAD_REFERENCE', kind: 'usage' }),
      );
    }
    try {
      parseReference('Digits');
    } catch (err) {
      expect((err as { hint: string }).hint).toContain('127.0.0.1:5000/team/digits:1.0');
    }
  });

  it('requires a bare repository for listing', () => {
    expect(parseReference('127.0.0.1:5000/team/digits', { bareRepository: true })).toMatchObject({ tag: undefined });
    expect(() => parseReference('digits:1.0', { bareRepository: true })).toThrowError(
      expect.objectContaining({ code: 'BAD_REFERENCE' }),
    );
  });

  it('uses plain HTTP by default only for loopback hosts', () => {
    expect(['localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', 'localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['registry.example.com', '10.0.0.1:5000', 'localhost.example.com'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
    ]);
  });
});
