/**
 * Conformance: Istio's own validation corpus (`../shared/istio-fixtures`, see its README). Every
 * document of an invalid file must be rejected, every document of a valid file accepted; where the
 * corpus (or the README) names the failing rule, our error must name the same field or rule.
 * The corpus is required: when it is missing this suite fails instead of skipping.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../../src/galley/parse.js';
import { formatConfigError } from '../../../src/galley/validation/result.js';
import { validateDocument } from '../../../src/galley/validation/validate.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = path.resolve(repoRoot, '../shared/istio-fixtures');

type Verdict = 'valid' | 'invalid';
/** Substrings our joined error text must contain (field paths or rule wording), per document index. */
type Mentions = ReadonlyArray<readonly string[]>;
interface FileExpectation {
  readonly verdict: Verdict;
  readonly docs: number;
  readonly mentions?: Mentions;
}

const G = 'galley/testdatasets/validation/dataset/';
const C = 'pkg/config/validation/testdata/crds/';
const D = 'pkg/test/datasets/validation/dataset/';
const T = 'tests/testdata/config/';

const RE2 = [
  'spec.http[0].match[0].uri',
  '"uri"',
  'invalid or unsupported Perl syntax',
  'Istio uses RE2 style regex-based match',
];

const EXPECTED: Readonly<Record<string, FileExpectation>> = {
  [`${G}networking-v1alpha3-DestinationRule-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['spec.host', 'empty domain name not allowed']],
  },
  [`${G}networking-v1alpha3-DestinationRule-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1alpha3-Gateway-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['gateway must have at least one server']],
  },
  [`${G}networking-v1alpha3-Gateway-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1alpha3-ServiceEntry-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [
      [
        'service entry must have at least one host',
        'no endpoints should be provided for resolution type none',
      ],
    ],
  },
  [`${G}networking-v1alpha3-ServiceEntry-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1alpha3-Sidecar-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['sidecar: empty configuration provided']],
  },
  [`${G}networking-v1alpha3-Sidecar-valid.yaml`]: { verdict: 'valid', docs: 1 },
  // ⚠ Named invalid, valid since Istio 1.15 (weights need not sum to 100; no hosts = delegate).
  [`${G}networking-v1alpha3-VirtualService-invalid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1alpha3-VirtualService-regexp-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [RE2],
  },
  [`${G}networking-v1alpha3-VirtualService-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1alpha3-WorkloadEntry-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['spec.address', 'address is required']],
  },
  [`${G}networking-v1alpha3-WorkloadEntry-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1alpha3-WorkloadGroup-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['template is required', 'invalid tag key: "."']],
  },
  [`${G}networking-v1alpha3-WorkloadGroup-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1beta-DestinationRule-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['spec.host', 'empty domain name not allowed']],
  },
  [`${G}networking-v1beta-DestinationRule-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1beta-Gateway-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['gateway must have at least one server']],
  },
  [`${G}networking-v1beta-Gateway-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1beta-Sidecar-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['sidecar: empty configuration provided']],
  },
  [`${G}networking-v1beta-Sidecar-valid.yaml`]: { verdict: 'valid', docs: 1 },
  // ⚠ Named invalid, valid since Istio 1.15.
  [`${G}networking-v1beta-VirtualService-invalid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1beta-VirtualService-valid.yaml`]: { verdict: 'valid', docs: 1 },
  [`${G}networking-v1beta-WorkloadEntry-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['spec.address', 'address is required']],
  },
  [`${G}networking-v1beta-WorkloadEntry-valid.yaml`]: { verdict: 'valid', docs: 1 },

  [`${C}destinationrule-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 3,
    mentions: [
      ['spec.trafficPolicy.loadBalancer.warmup.minimumPercent'],
      ['spec.trafficPolicy.loadBalancer.warmup.duration', 'duration is required'],
      ['spec.trafficPolicy.loadBalancer.warmup.aggression'],
    ],
  },
  [`${C}destinationrule-valid.yaml`]: { verdict: 'valid', docs: 4 },
  [`${C}serviceentry-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 12,
    mentions: [
      ['spec: spec is required'],
      ['spec.hosts', 'service entry must have at least one host'],
      ['wildcard is not supported in selector'],
      ['only one of WorkloadSelector or Endpoints'],
      ['spec.hosts[0]', 'invalid host *'],
      ['CIDR addresses are allowed only for NONE/STATIC resolution types'],
      ['spec.ports[1].name', 'port name "a" already defined'],
      ['spec.ports[1].number', 'port 1 already defined'],
      ['spec.ports[0].number', 'must be in the range 1..65535'],
      ['spec.ports[0].targetPort', 'must be in the range 1..65535'],
      ['no endpoints should be provided for resolution type none'],
      ['spec.endpoints', 'DNS_ROUND_ROBIN'],
    ],
  },
  [`${C}serviceentry-valid.yaml`]: { verdict: 'valid', docs: 5 },
  [`${C}workloadentry-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 7,
    mentions: [
      ['spec: spec is required'],
      ['spec.address', 'address is required'],
      ['spec.address', '/dir/ is not an absolute path to a file'],
      ['spec.address', 'relative is not an absolute path to a file'],
      ['spec.ports', 'must not include ports'],
      ['spec.ports.http', 'must be in the range 1..65535'],
      ['spec.ports["@"]', 'invalid port name'],
    ],
  },
  [`${C}workloadentry-valid.yaml`]: { verdict: 'valid', docs: 5 },
  [`${C}workloadgroup-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 3,
    mentions: [
      ['spec: spec is required'],
      ['spec.probe.tcpSocket.port', 'must be in the range 1..65535'],
      ['spec.probe.httpGet.httpHeaders[0].name', 'not a valid header name'],
    ],
  },
  [`${C}workloadgroup-valid.yaml`]: { verdict: 'valid', docs: 2 },

  [`${D}networking-v1alpha3-VirtualService-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['spec.http[0].route[1].weight', 'weight -15']],
  },
  [`${D}networking-v1beta-VirtualService-invalid.yaml`]: {
    verdict: 'invalid',
    docs: 1,
    mentions: [['spec.http[0].route[1].weight', 'weight -15']],
  },

  [`${T}virtual-service-all.yaml`]: { verdict: 'valid', docs: 1 },
  [`${T}destination-rule-all.yaml`]: { verdict: 'valid', docs: 2 },
  [`${T}rule-regex-route.yaml`]: { verdict: 'valid', docs: 3 },
  [`${T}rule-fault-injection.yaml`]: { verdict: 'valid', docs: 3 },
  [`${T}destination-rule-ssl.yaml`]: { verdict: 'valid', docs: 2 },
  [`${T}rule-default-route.yaml`]: { verdict: 'valid', docs: 3 },
  [`${T}rule-default-route-cors-policy.yaml`]: { verdict: 'valid', docs: 2 },
  [`${T}rule-redirect-injection.yaml`]: { verdict: 'valid', docs: 2 },
  [`${T}ingress.yaml`]: { verdict: 'valid', docs: 2 },
};

function yamlFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...yamlFiles(dir, r));
    else if (/\.ya?ml$/.test(name)) out.push(r);
  }
  return out;
}

const present = existsSync(path.join(corpus, 'README.md'));

describe('Istio validation corpus (../shared/istio-fixtures)', () => {
  it('is present', () => {
    expect(present, `corpus not found at ${corpus}`).toBe(true);
  });

  if (!present) return;

  it('has a verdict for every YAML file, and every listed file exists', () => {
    expect(yamlFiles(corpus)).toEqual(Object.keys(EXPECTED).sort());
  });

  let accepted = 0;
  let rejected = 0;
  for (const [rel, exp] of Object.entries(EXPECTED)) {
    describe(rel, () => {
      const text = readFileSync(path.join(corpus, rel), 'utf8');
      const parsed = parseYamlDocuments(text, rel);

      it(`parses into ${exp.docs} document(s)`, () => {
        expect(parsed.errors).toEqual([]);
        expect(parsed.documents).toHaveLength(exp.docs);
      });

      parsed.documents.forEach((doc, i) => {
        const obj = { ...(doc.object as Record<string, unknown>) };
        const stated = obj._err;
        // `_err` is test metadata (the CRD-layer message), not config: strip it as Istio's tests do.
        delete obj._err;
        const label = `document #${i}${typeof stated === 'string' ? ` (_err: ${stated})` : ''} is ${exp.verdict}`;
        it(label, () => {
          const r = validateDocument(obj, rel);
          if (exp.verdict === 'valid') {
            expect(r.ok ? [] : r.errors.map(formatConfigError)).toEqual([]);
            accepted++;
          } else {
            expect(r.ok, 'expected a rejection').toBe(false);
            if (r.ok) return;
            rejected++;
            const text = r.errors.map(formatConfigError).join('\n');
            for (const m of exp.mentions?.[i] ?? []) expect(text).toContain(m);
          }
        });
      });
    });
  }

  it('judged all 88 documents: 50 accepted, 38 rejected', () => {
    // Runs last in this file (vitest runs tests in order), after every per-document test.
    expect({ accepted, rejected }).toEqual({ accepted: 50, rejected: 38 });
  });
});
