import { describe } from 'vitest';
import { table } from './cases.js';

const route = (host = 'reviews') => [{ destination: { host } }];
const vs = (http: unknown[], extra: Record<string, unknown> = {}) => ({ hosts: ['reviews'], http, ...extra });

describe('VirtualService validation', () => {
  table('VirtualService', [
    ['minimal route', vs([{ route: route() }]), 'ok'],
    [
      'weights need not sum to 100 (Istio >= 1.15)',
      vs([
        {
          route: [
            { destination: { host: 'a' }, weight: 75 },
            { destination: { host: 'b' }, weight: 15 },
          ],
        },
      ]),
      'ok',
    ],
    [
      'weights above 100 are accepted',
      vs([
        {
          route: [
            { destination: { host: 'a' }, weight: 300 },
            { destination: { host: 'b' }, weight: 1 },
          ],
        },
      ]),
      'ok',
    ],
    [
      'negative weight',
      vs([
        {
          route: [
            { destination: { host: 'a' }, weight: 75 },
            { destination: { host: 'b' }, weight: -15 },
          ],
        },
      ]),
      ['spec.http[0].route[1].weight', 'weight -15 must be >= 0'],
    ],
    [
      'all-zero weights with two destinations',
      vs([{ route: [{ destination: { host: 'a' } }, { destination: { host: 'b' } }] }]),
      ['spec.http[0].route', 'total destination weight = 0'],
    ],
    [
      'destination host required',
      vs([{ route: [{ destination: { subset: 'v1' } }] }]),
      ['spec.http[0].route[0].destination.host', 'empty domain name not allowed'],
    ],
    [
      'destination missing',
      vs([{ route: [{ weight: 1 }] }]),
      ['spec.http[0].route[0].destination', 'destination is required'],
    ],
    [
      'destination host *',
      vs([{ route: route('*') }]),
      ['spec.http[0].route[0].destination.host', 'invalid destination host *'],
    ],
    [
      'bad subset name',
      vs([{ route: [{ destination: { host: 'a', subset: 'V_1' } }] }]),
      ['spec.http[0].route[0].destination.subset', 'subset name is invalid'],
    ],
    [
      'destination port out of range',
      vs([{ route: [{ destination: { host: 'a', port: { number: 70000 } } }] }]),
      ['spec.http[0].route[0].destination.port.number', 'port number 70000'],
    ],
    [
      'no action',
      vs([{ match: [{ uri: { prefix: '/' } }] }]),
      ['spec.http[0]', 'HTTP route, redirect or direct_response is required'],
    ],
    [
      'redirect and route',
      vs([{ redirect: { uri: '/x' }, route: route() }]),
      ['spec.http[0]', 'cannot contain both route and redirect'],
    ],
    [
      'redirect without target',
      vs([{ redirect: { redirectCode: 301 } }]),
      ['spec.http[0].redirect', 'redirect must specify URI, authority, scheme, or port'],
    ],
    [
      'redirect bad code',
      vs([{ redirect: { uri: '/x', redirectCode: 200 } }]),
      ['spec.http[0].redirect.redirectCode', 'must be 3xx'],
    ],
    ['direct response ok', vs([{ directResponse: { status: 503, body: { string: 'down' } } }]), 'ok'],
    [
      'direct response bad status',
      vs([{ directResponse: { status: 99 } }]),
      ['spec.http[0].directResponse.status', 'HTTP status 99'],
    ],
    [
      'mesh VS with host *',
      { hosts: ['*'], http: [{ route: route() }] },
      ['spec.hosts[0]', 'wildcard host * is not allowed for virtual services bound to the mesh gateway'],
    ],
    [
      'gateway VS with host *',
      { hosts: ['*'], gateways: ['istio-system/ingress'], http: [{ route: route() }] },
      'ok',
    ],
    [
      'host * with gateway and mesh',
      { hosts: ['*'], gateways: ['gw', 'mesh'], http: [{ route: route() }] },
      ['spec.hosts[0]', 'wildcard host *'],
    ],
    [
      'duplicate hosts',
      { hosts: ['*.foo.com', 'a.foo.com'], http: [{ route: route() }] },
      ['spec.hosts[1]', 'duplicate hosts in virtual service'],
    ],
    [
      'bad host',
      { hosts: ['foo_bar'], http: [{ route: route() }] },
      ['spec.hosts[0]', 'invalid (label "foo_bar" invalid)'],
    ],
    ['IP host is accepted', { hosts: ['10.0.0.1'], http: [{ route: route() }] }, 'ok'],
    ['no routes at all', { hosts: ['a'] }, ['spec', 'http, tcp or tls must be provided']],
    [
      'delegate VS with gateways',
      { gateways: ['gw'], http: [{ route: route() }] },
      ['spec.gateways', 'delegate virtual service must have no gateways'],
    ],
    [
      'delegate VS with tcp',
      { tcp: [{ route: route() }] },
      ['spec.tcp', 'delegate virtual service must have no tcp route'],
    ],
    [
      'delegate route may not delegate',
      { http: [{ delegate: { name: 'd' } }] },
      ['spec.http[0].delegate', 'delegate HTTP route cannot contain delegate'],
    ],
    [
      'root route with delegate and route',
      vs([{ delegate: { name: 'd', namespace: 'n' }, route: route() }]),
      ['spec.http[0].route', 'must not specify route'],
    ],
    ['root route with delegate only', vs([{ delegate: { name: 'd', namespace: 'n' } }]), 'ok'],
    [
      'RE2 lazy quantifier is fine',
      vs([{ match: [{ headers: { cookie: { regex: '^(.*?;)?(user=dev-123)(;.*)?' } } }], route: route() }]),
      'ok',
    ],
    [
      'negative lookahead rejected',
      vs([{ match: [{ uri: { regex: '^(?!/admin).*' } }], route: route() }]),
      [
        'spec.http[0].match[0].uri',
        'invalid or unsupported Perl syntax: `(?!`; Istio uses RE2 style regex-based match',
      ],
    ],
    [
      'backreference rejected',
      vs([{ match: [{ headers: { x: { regex: '(a)\\1' } } }], route: route() }]),
      ['spec.http[0].match[0].headers.x', '"headers": error parsing regexp: invalid escape sequence'],
    ],
    [
      'empty regex rejected',
      vs([{ match: [{ uri: { regex: '' } }], route: route() }]),
      ['spec.http[0].match[0].uri', 'regex string match should not be empty'],
    ],
    [
      'regex too long',
      vs([{ match: [{ uri: { regex: 'a'.repeat(1025) } }], route: route() }]),
      ['spec.http[0].match[0].uri', 'regex is too large, max length allowed is 1024'],
    ],
    [
      'query param regex is RE2',
      vs([{ match: [{ queryParams: { q: { regex: '(?<=x)y' } } }], route: route() }]),
      ['spec.http[0].match[0].queryParams.q', '"queryParams"'],
    ],
    ['empty uri prefix allowed', vs([{ match: [{ uri: { prefix: '' } }], route: route() }]), 'ok'],
    [
      'empty authority prefix rejected',
      vs([{ match: [{ authority: { prefix: '' } }], route: route() }]),
      ['spec.http[0].match[0].authority', 'prefix string match should not be empty'],
    ],
    [
      'two string match kinds',
      vs([{ match: [{ uri: { exact: '/a', prefix: '/b' } }], route: route() }]),
      ['spec.http[0].match[0].uri', 'only one of exact, prefix or regex'],
    ],
    [
      'withoutHeaders regex * is presence',
      vs([{ match: [{ withoutHeaders: { x: { regex: '*' } } }], route: route() }]),
      'ok',
    ],
    [
      'bad header name',
      vs([{ match: [{ headers: { 'bad header': { exact: 'x' } } }], route: route() }]),
      ['spec.http[0].match[0].headers["bad header"]', 'not a valid header name'],
    ],
    [
      'JWT claim routing needs a gateway',
      vs([{ match: [{ headers: { '@request.auth.claims.group': { exact: 'a' } } }], route: route() }]),
      ['spec.http[0].match[0]', 'JWT claim based routing'],
    ],
    [
      'bad source namespace',
      vs([{ match: [{ sourceNamespace: 'Not_OK' }], route: route() }]),
      ['spec.http[0].match[0].sourceNamespace', 'sourceNamespace match Not_OK is invalid'],
    ],
    [
      'bad source label',
      vs([{ match: [{ sourceLabels: { '-x': 'y' } }], route: route() }]),
      ['spec.http[0].match[0].sourceLabels["-x"]', 'invalid tag key'],
    ],
    [
      'timeout below 1ms',
      vs([{ route: route(), timeout: '100us' }]),
      ['spec.http[0].timeout', 'duration must be greater than 1ms'],
    ],
    [
      'timeout not ms precision',
      vs([{ route: route(), timeout: '1.0005s' }]),
      ['spec.http[0].timeout', 'only durations to ms precision'],
    ],
    [
      'timeout not a duration',
      vs([{ route: route(), timeout: 'soon' }]),
      ['spec.http[0].timeout', 'invalid duration'],
    ],
    [
      'retries ok',
      vs([
        {
          route: route(),
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503' },
        },
      ]),
      'ok',
    ],
    [
      'retries negative attempts',
      vs([{ route: route(), retries: { attempts: -1 } }]),
      ['spec.http[0].retries.attempts', 'attempts cannot be negative'],
    ],
    [
      'retries disabled but configured',
      vs([{ route: route(), retries: { attempts: 0, retryOn: '5xx' } }]),
      ['spec.http[0].retries', 'attempts are set to 0'],
    ],
    [
      'retries bad retryOn',
      vs([{ route: route(), retries: { attempts: 2, retryOn: '5xx,sometimes' } }]),
      ['spec.http[0].retries.retryOn', '"sometimes" is not a valid retryOn policy'],
    ],
    [
      'fault percentages ok',
      vs([
        {
          route: route(),
          fault: {
            delay: { fixedDelay: '5s', percentage: { value: 100 } },
            abort: { httpStatus: 503, percentage: { value: 0.1 } },
          },
        },
      ]),
      'ok',
    ],
    [
      'fault percentage over 100',
      vs([{ route: route(), fault: { abort: { httpStatus: 503, percentage: { value: 101 } } } }]),
      [
        'spec.http[0].fault.abort.percentage.value',
        'percentage 101 is neither 0.0, nor in range [0.0001, 100.0]',
      ],
    ],
    [
      'fault needs abort or delay',
      vs([{ route: route(), fault: {} }]),
      ['spec.http[0].fault', 'must have an abort and/or a delay'],
    ],
    [
      'fault bad http status',
      vs([{ route: route(), fault: { abort: { httpStatus: 700 } } }]),
      ['spec.http[0].fault.abort.httpStatus', 'HTTP status 700'],
    ],
    [
      'fault bad grpc status',
      vs([{ route: route(), fault: { abort: { grpcStatus: 'NOPE' } } }]),
      ['spec.http[0].fault.abort.grpcStatus', 'gRPC status "NOPE" is not supported'],
    ],
    [
      'fault and redirect',
      vs([{ redirect: { uri: '/x' }, fault: { abort: { httpStatus: 503 } } }]),
      ['spec.http[0]', 'both fault and redirect'],
    ],
    [
      'mirror percentage over 100',
      vs([{ route: route(), mirror: { host: 'm' }, mirrorPercentage: { value: 150 } }]),
      ['spec.http[0].mirrorPercentage.value', 'max value of 100'],
    ],
    [
      'mirror percentage negative',
      vs([{ route: route(), mirror: { host: 'm' }, mirrorPercentage: { value: -1 } }]),
      ['spec.http[0].mirrorPercentage.value', 'min value of 0'],
    ],
    [
      'mirror and mirrors',
      vs([{ route: route(), mirror: { host: 'm' }, mirrors: [{ destination: { host: 'n' } }] }]),
      ['spec.http[0]', 'both mirror and mirrors'],
    ],
    [
      'mirrors need a destination',
      vs([{ route: route(), mirrors: [{ percentage: { value: 5 } }] }]),
      ['spec.http[0].mirrors[0].destination', 'destination is required for mirrors'],
    ],
    [
      'deprecated mirrorPercent warns',
      vs([{ route: route(), mirror: { host: 'm' }, mirrorPercent: 5 }]),
      ['warn', 'spec.http[0].mirrorPercent', 'deprecated'],
    ],
    [
      'rewrite uri and regex',
      vs([{ route: route(), rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } }]),
      ['spec.http[0].rewrite', 'only contain one of URI or UriRegexRewrite'],
    ],
    [
      'rewrite regex is RE2',
      vs([{ route: route(), rewrite: { uriRegexRewrite: { match: '(?=a)', rewrite: 'b' } } }]),
      ['spec.http[0].rewrite.uriRegexRewrite.match', 'Istio uses RE2'],
    ],
    [
      'empty rewrite',
      vs([{ route: route(), rewrite: {} }]),
      ['spec.http[0].rewrite', 'rewrite must specify at least one of'],
    ],
    [
      'authority rewritten twice',
      vs([{ route: route(), rewrite: { authority: 'a' }, headers: { request: { set: { host: 'b' } } } }]),
      ['spec.http[0].headers', 'authority header cannot be set multiple times'],
    ],
    [
      'response header may not set Host',
      vs([{ route: route(), headers: { response: { set: { Host: 'x' } } } }]),
      ['spec.http[0].headers.response.set.Host', 'cannot set Host header'],
    ],
    [
      'header value with unescaped %',
      vs([{ route: route(), headers: { request: { add: { x: '100%' } } } }]),
      ['spec.http[0].headers.request.add.x', 'Un-escaped %'],
    ],
    [
      'header value with Envoy variable',
      vs([{ route: route(), headers: { request: { add: { x: '%HOSTNAME% 100%%' } } } }]),
      'ok',
    ],
    [
      'CORS ok',
      vs([
        {
          route: route(),
          corsPolicy: { allowOrigins: [{ exact: 'https://a' }], allowMethods: ['GET'], maxAge: '24h' },
        },
      ]),
      'ok',
    ],
    [
      'CORS bad method',
      vs([{ route: route(), corsPolicy: { allowMethods: ['FETCH'] } }]),
      ['spec.http[0].corsPolicy.allowMethods[0]', '"FETCH" is not a supported HTTP method'],
    ],
    [
      'CORS maxAge sub-second',
      vs([{ route: route(), corsPolicy: { maxAge: '1500ms' } }]),
      ['spec.http[0].corsPolicy.maxAge', 'seconds precision'],
    ],
    [
      'CORS empty origin',
      vs([{ route: route(), corsPolicy: { allowOrigins: [{ exact: '' }] } }]),
      ['spec.http[0].corsPolicy.allowOrigins[0]', 'not a valid match type for CORS allow origins'],
    ],
    [
      'unknown field is rejected',
      vs([{ route: route(), websocketUpgrade: true }]),
      ['spec.http[0].websocketUpgrade', 'unknown field "websocketUpgrade"'],
    ],
    [
      'wrong type',
      vs([{ route: [{ destination: { host: 'a' }, weight: 'ten' }] }]),
      ['spec.http[0].route[0].weight', 'expected number'],
    ],
    [
      'bad gateway reference',
      { hosts: ['a.com'], gateways: ['ns/Bad_Name'], http: [{ route: route() }] },
      ['spec.gateways[0]', 'invalid value for gateway name'],
    ],
    [
      'legacy gateway name warns',
      { hosts: ['a.com'], gateways: ['gw.istio-system'], http: [{ route: route() }] },
      ['warn', 'spec.gateways[0]', 'legacy gatewayName format'],
    ],
    [
      'unreachable rule warns',
      vs([{ route: route() }, { match: [{ uri: { prefix: '/a' } }], route: route() }]),
      ['warn', 'spec.http[1]', 'not used (route without matches defined before)'],
    ],
    [
      'TLS route ok',
      { hosts: ['*.foo.com'], tls: [{ match: [{ sniHosts: ['a.foo.com'], port: 443 }], route: route() }] },
      'ok',
    ],
    [
      'TLS SNI outside hosts',
      { hosts: ['a.foo.com'], tls: [{ match: [{ sniHosts: ['b.foo.com'] }], route: route() }] },
      ['spec.tls[0].match[0].sniHosts[0]', 'not a compatible subset'],
    ],
    [
      'TLS route needs a match',
      { hosts: ['a.com'], tls: [{ route: route() }] },
      ['spec.tls[0].match', 'TLS route must have at least one match condition'],
    ],
    [
      'TCP route bad subnet',
      { hosts: ['a.com'], tcp: [{ match: [{ destinationSubnets: ['10.0.0.0/33'] }], route: route() }] },
      ['spec.tcp[0].match[0].destinationSubnets[0]', 'is not a valid CIDR block'],
    ],
    [
      'TCP route needs routes',
      { hosts: ['a.com'], tcp: [{ match: [{ port: 80 }] }] },
      ['spec.tcp[0].route', 'TCP route is required'],
    ],
    [
      'exportTo duplicates',
      vs([{ route: route() }], { exportTo: ['ns', '.'] }),
      ['spec.exportTo[1]', 'duplicate entries in exportTo: . and current namespace ns'],
    ],
    [
      'exportTo ~ not allowed outside ServiceEntry',
      vs([{ route: route() }], { exportTo: ['~'] }),
      ['spec.exportTo[0]', 'exportTo ~ (none) is not allowed'],
    ],
    [
      'exportTo * with others',
      vs([{ route: route() }], { exportTo: ['*', 'a'] }),
      ['spec.exportTo', 'cannot have both public (*) and non-public'],
    ],
  ]);
});
