/**
 * The status writer on a replica that stops being the status leader (issue 8, several
 * replicas): after forgetRejections() it no longer writes `Reconciled` (neither True nor False),
 * even when the object changes, but still writes `Valid`; a new merged list resumes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../src/galley/sources/kube-http.js';
import { StatusWriter } from '../../../../src/galley/status/status-writer.js';
import type { ConfigError } from '../../../../src/galley/validation/result.js';
import { silentLogger } from '../../../../src/util/log.js';
import { FakeApi } from './fake-status-api.js';
import { rejectedBy, sleep, until, WEIGHT } from './status-test-helpers.js';

let writer: StatusWriter | undefined;
afterEach(() => writer?.stop());

function observe(w: StatusWriter, obj: KubeObject, errors: ConfigError[] = []): void {
  w.observe({ kind: 'VirtualService', namespace: 'default', name: obj.metadata.name, object: obj, errors });
}

describe('StatusWriter.forgetRejections (not the status leader any more)', () => {
  it('leaves Reconciled as found, keeps writing Valid, and resumes with the next list', async () => {
    const api = new FakeApi();
    const w = (writer = new StatusWriter({
      client: api,
      logger: silentLogger(),
      coalesceMs: 10,
      reconcileCoalesceMs: 20,
    }));
    observe(w, api.put('reviews'));
    w.observeRejections([rejectedBy('reviews', 'p1')]);
    await until('Reconciled=False', () => api.conditionOf('reviews', 'Reconciled')?.['status'] === 'False');
    const writes = api.patches.length;

    w.forgetRejections();
    // The leader elsewhere may now write; this replica's view (no rejections) must not flip it back.
    observe(w, api.objects.get('reviews')!);
    await sleep(80);
    expect(api.patches).toHaveLength(writes);

    // A validation change is still written, and carries the Reconciled condition as found.
    observe(w, api.objects.get('reviews')!, [WEIGHT]);
    await until('Valid=False', () => api.conditionOf('reviews', 'Valid')?.['status'] === 'False');
    expect(api.conditionOf('reviews', 'Reconciled')?.['status']).toBe('False');

    // Leading again: the merged list decides.
    w.observeRejections([]);
    await until('Reconciled=True', () => api.conditionOf('reviews', 'Reconciled')?.['status'] === 'True');
  });
});
