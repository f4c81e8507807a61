import { describe, expect, it } from 'vitest';
import { uploaderLabel, uploaderOf } from '../../../shared/pipeline/uploader.js';

describe('Function: uploaderOf', () => {
  it.each([
    [{ 'uploaded-by': 'cli:amy' }, undefined, undefined, { kind: 'cli', name: 'amy' }],
    [{ 'uploaded-by': 'cli:' }, undefined, undefined, { kind: 'cli' }],
    [{}, 'AWS:AROAPARTNER:acme-feed', 'AROAPARTNER', { kind: 'sftp', name: 'acme-feed' }],
    [{}, 'AWS:AROAPARTNER:', 'AROAPARTNER', { kind: 'sftp' }],
    [{}, 'AWS:AROAOTHER:someone', 'AROAPARTNER', { kind: 'direct' }],
    [{}, 'AWS:AROAPARTNER:acme-feed', undefined, { kind: 'direct' }],
    [undefined, undefined, undefined, { kind: 'direct' }],
  ] as const)(
    'reads metadata %o and principal %s (SFTP role %s) as %o',
    (metadata, principal, role, expected) => {
      expect(uploaderOf(metadata, principal, role)).toEqual(expected);
    },
  );

  it('labels an uploader for the history', () => {
    expect(uploaderLabel({ kind: 'sftp', name: 'acme-feed' })).toBe('sftp (acme-feed)');
    expect(uploaderLabel({ kind: 'direct' })).toBe('direct');
    expect(uploaderLabel(undefined)).toBe('unknown');
  });
});
