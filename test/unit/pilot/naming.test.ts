import { describe, expect, it } from 'vitest';
import {
  buildClusterName,
  buildInboundClusterName,
  buildOutboundClusterName,
  buildProxylessListenerName,
  buildProxylessRouteName,
  parseClusterName,
  parseHostPort,
  parseProxylessRouteName,
} from '../../../src/pilot/networking/naming.js';

describe('naming', () => {
  it('builds Istio cluster names', () => {
    expect(buildClusterName('outbound', 'v1', 'reviews.default.svc.cluster.local', 9080)).toBe(
      'outbound|9080|v1|reviews.default.svc.cluster.local',
    );
    expect(buildOutboundClusterName('a.b', 80)).toBe('outbound|80||a.b');
    expect(buildInboundClusterName(8080)).toBe('inbound|8080||');
    expect(buildProxylessRouteName('a.b', 80)).toBe('outbound|80||a.b');
  });

  it('parses cluster names and rejects others', () => {
    expect(parseClusterName('outbound|9080|v1|reviews')).toEqual({
      direction: 'outbound',
      port: 9080,
      subset: 'v1',
      hostname: 'reviews',
    });
    expect(parseClusterName('inbound|8080||')).toEqual({
      direction: 'inbound',
      port: 8080,
      subset: '',
      hostname: '',
    });
    for (const bad of [
      'outbound|0||a',
      'outbound|x||a',
      'outbound|80||',
      'sideways|80||a',
      'a:80',
      'outbound|80|a',
    ]) {
      expect(parseClusterName(bad), bad).toBeUndefined();
    }
  });

  it('parses proxyless route names (no subset)', () => {
    expect(parseProxylessRouteName('outbound|50051||greeter')).toEqual({ hostname: 'greeter', port: 50051 });
    expect(parseProxylessRouteName('outbound|50051|v1|greeter')).toBeUndefined();
    expect(parseProxylessRouteName('inbound|50051||')).toBeUndefined();
  });

  it('splits listener names', () => {
    expect(parseHostPort('greeter:50051')).toEqual({ host: 'greeter', port: 50051 });
    expect(parseHostPort('greeter')).toEqual({ host: 'greeter' });
    expect(parseHostPort('[fd00::1]:80')).toEqual({ host: 'fd00::1', port: 80 });
    expect(parseHostPort('greeter:99999')).toBeUndefined();
    expect(parseHostPort(':80')).toBeUndefined();
    expect(buildProxylessListenerName('fd00::1', 80)).toBe('[fd00::1]:80');
    expect(buildProxylessListenerName('greeter', 80)).toBe('greeter:80');
  });
});
