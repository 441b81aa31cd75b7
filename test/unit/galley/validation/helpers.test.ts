import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../../../src/model/istio/index.js';
import {
  checkFQDN,
  checkWildcardDomain,
  hostSubsetOf,
  hostsMatch,
} from '../../../../src/galley/validation/hosts.js';
import { checkIPSubnet, isIPAddress } from '../../../../src/galley/validation/net.js';
import { checkRegex, re2Error } from '../../../../src/galley/validation/regex.js';

describe('parseDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['100ms', 100],
    ['1.5s', 1500],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['0', 0],
    ['0s', 0],
    ['250us', 0.25],
    ['.5s', 500],
    ['-2s', -2000],
    ['1.1s', 1100],
    ['2h45m0.5s', 9_900_500],
    ['1.0000000005s', 1000],
  ])('%s = %d ms', (s, ms) => expect(parseDurationMs(s)).toBe(ms));

  it.each(['', '1', 's', '1d', '1 s', 'abc', '1.s.', '--1s'])('rejects %j', (s) =>
    expect(parseDurationMs(s)).toBeUndefined(),
  );
});

describe('IP addresses (Go netip semantics)', () => {
  it.each([
    '1.2.3.4',
    '0.0.0.0',
    '::',
    '::1',
    '2001:db8::',
    '001:db8::',
    'fe80::1%eth0',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:7:8',
  ])('%s is an IP', (s) => expect(isIPAddress(s)).toBe(true));
  it.each(['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'example.com', '', '12345::'])(
    '%s is not',
    (s) => expect(isIPAddress(s)).toBe(false),
  );
  it('checks CIDR prefixes', () => {
    expect(checkIPSubnet('10.0.0.0/8')).toBeUndefined();
    expect(checkIPSubnet('2001:db8::/128')).toBeUndefined();
    expect(checkIPSubnet('10.0.0.0/33')).toContain('not a valid CIDR block');
    expect(checkIPSubnet('10.0.0.0/')).toContain('not a valid CIDR block');
  });
});

describe('host names', () => {
  it('validates FQDNs and wildcard domains', () => {
    expect(checkFQDN('istio.io.')).toBeUndefined();
    expect(checkFQDN('foo.123')).toContain('cannot be all-numeric');
    expect(checkFQDN('*.foo.com')).toContain('invalid');
    expect(checkWildcardDomain('*.foo.com')).toBeUndefined();
    expect(checkWildcardDomain('*')).toBeUndefined();
    expect(checkWildcardDomain('*x')).toBeUndefined();
    expect(checkWildcardDomain('foo.*.com')).toContain('label "*" invalid');
    expect(checkWildcardDomain('')).toBe('empty domain name not allowed');
    expect(checkWildcardDomain('a'.repeat(256))).toContain('too long');
  });
  it('matches hosts like host.Name', () => {
    expect(hostsMatch('*.foo.com', 'a.foo.com')).toBe(true);
    expect(hostsMatch('*.com', '*.foo.com')).toBe(true);
    expect(hostsMatch('a.com', 'b.com')).toBe(false);
    expect(hostSubsetOf('a.foo.com', '*.foo.com')).toBe(true);
    expect(hostSubsetOf('*.foo.com', 'a.foo.com')).toBe(false);
  });
});

describe('RE2 regexes', () => {
  it('accepts RE2 and rejects what only ECMAScript allows', () => {
    expect(re2Error('^(.*?;)?(user=dev-123)(;.*)?')).toBeUndefined();
    expect(re2Error('\\d+[a-z]{2,3}')).toBeUndefined();
    expect(() => new RegExp('^(?!/admin)')).not.toThrow();
    expect(re2Error('^(?!/admin)')).toContain('(?!');
    expect(re2Error('(?<=a)b')).toBeDefined();
    expect(re2Error('(a)\\1')).toBeDefined();
    expect(re2Error('[')).toBeDefined();
  });
  it('words errors like istiod', () => {
    expect(checkRegex('^(?!.<path to match here>.).*', 'uri')).toBe(
      '"uri": error parsing regexp: invalid or unsupported Perl syntax: `(?!`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
    );
    expect(checkRegex('x'.repeat(1025), 'headers')).toBe(
      '"headers": regex is too large, max length allowed is 1024',
    );
    expect(checkRegex('x'.repeat(1024), 'headers')).toBeUndefined();
  });
});

describe('SPEC_SCHEMAS', () => {
  it('has a strict schema for every served kind', async () => {
    const { ISTIO_KINDS } = await import('../../../../src/model/config.js');
    const { SPEC_SCHEMAS, VALIDATED_KINDS } = await import('../../../../src/model/istio/index.js');
    expect(Object.keys(SPEC_SCHEMAS).sort()).toEqual([...ISTIO_KINDS].sort());
    expect(VALIDATED_KINDS).toEqual([...ISTIO_KINDS, 'WorkloadGroup']);
    for (const kind of ISTIO_KINDS) {
      expect(SPEC_SCHEMAS[kind].safeParse({}).success).toBe(true);
      expect(SPEC_SCHEMAS[kind].safeParse({ notAField: 1 }).success).toBe(false);
    }
  });
  it('turns uint64 strings into numbers', async () => {
    const { destinationRuleSpecSchema } = await import('../../../../src/model/istio/index.js');
    const r = destinationRuleSpecSchema.parse({
      host: 'a',
      trafficPolicy: { loadBalancer: { consistentHash: { maglev: { tableSize: '65537' } } } },
    });
    expect(r.trafficPolicy?.loadBalancer?.consistentHash?.maglev?.tableSize).toBe(65537);
  });
});
