/**
 * A load-generator process: runs a share of the N simulated clients (ads-client.ts) and the
 * matching floor streams, and answers the orchestrator over IPC (protocol.ts). It timestamps
 * arrivals itself, so IPC latency never enters a measurement; the orchestrator only reads the
 * timestamps afterwards.
 */
import { AdsClient, type ClientEnv, type SharedNames } from './ads-client.js';
import { H2Call } from './h2-call.js';
import { ResponseMemo } from './response-memo.js';
import {
  EDS,
  SOTW_METHOD,
  buildNode,
  nowMs,
  shortType,
  type ClientCounters,
  type ExpectItem,
  type FromWorker,
  type ToWorker,
} from './protocol.js';
import { encodeNode, lenField, message, resourceName, stringsField, type Envelope } from './wire.js';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

interface Armed {
  id: number;
  items: { typeUrl: string; name: string; marker: Buffer | undefined }[];
  /** Per client: bit j set when item j has arrived. */
  matched: Uint32Array;
  times: Float64Array;
  remaining: number;
}

const counters: ClientCounters = {
  bytes: 0,
  bytesByType: {},
  responses: 0,
  acks: 0,
  errors: 0,
  streamErrors: 0,
  lastError: '',
};
const clients: AdsClient[] = [];
let first = 0;
let syncTimes = new Float64Array(0);
let syncRemaining = 0;
let armed: Armed | undefined;
const shared = new Map<string, SharedNames>();
let memo = new ResponseMemo(true);

/** The last SotW request built per (type, version, nonce, names): identical ACKs share bytes. */
const sotwRequests = new Map<string, { wanted: SharedNames | undefined; bytes: Buffer }>();
function sotwRequest(
  typeUrl: string,
  version: string,
  nonce: string,
  wanted: SharedNames | undefined,
  build: () => Buffer,
): Buffer {
  const key = `${typeUrl}|${version}|${nonce}`;
  const hit = sotwRequests.get(key);
  if (hit && hit.wanted === wanted) return hit.bytes;
  const bytes = build();
  if (sotwRequests.size > 256) sotwRequests.clear();
  sotwRequests.set(key, { wanted, bytes });
  return bytes;
}

/** Requests deferred to after the responses read in this turn (ClientEnv.defer), in order. */
let deferred: Array<() => void> = [];
function defer(fn: () => void): void {
  if (deferred.length === 0) setImmediate(flushDeferred);
  deferred.push(fn);
}
function flushDeferred(): void {
  const batch = deferred;
  deferred = [];
  for (const fn of batch) fn();
}

function share(names: string[]): SharedNames {
  const key = names.join('\n');
  let s = shared.get(key);
  if (!s) {
    if (shared.size > 64) shared.clear();
    s = { names, set: new Set(names), encoded: stringsField(3, names) };
    shared.set(key, s);
  }
  return s;
}

function hasResource(e: Envelope, buf: Buffer, item: Armed['items'][number], sotw: boolean): boolean {
  for (let k = 0; k < e.resources.length; k++) {
    const r = e.resources[k]!;
    const name = sotw ? resourceName(buf, r) : e.names[k];
    if (name !== item.name) continue;
    return !item.marker || buf.subarray(r.start, r.end).indexOf(item.marker) >= 0;
  }
  return false;
}

function onResponse(client: AdsClient, e: Envelope, buf: Buffer, at: number, sotw: boolean): void {
  const a = armed;
  if (!a) return;
  const i = client.index - first;
  if (!Number.isNaN(a.times[i]!)) return;
  let bits = a.matched[i]!;
  a.items.forEach((item, j) => {
    if (bits & (1 << j) || item.typeUrl !== e.typeUrl) return;
    if (hasResource(e, buf, item, sotw)) bits |= 1 << j;
  });
  a.matched[i] = bits;
  if (bits === (1 << a.items.length) - 1) {
    a.times[i] = at;
    if (--a.remaining === 0) send({ op: 'matched', id: a.id, times: [...a.times], complete: true });
  }
}

/** A dead client never converges: it stops being waited for, and its time stays NaN. */
function onDead(client: AdsClient, err: unknown): void {
  const i = client.index - first;
  counters.streamErrors++;
  counters.lastError = err instanceof Error ? err.message : String(err);
  if (Number.isNaN(syncTimes[i]!) && --syncRemaining === 0)
    send({ op: 'synced', times: [...syncTimes], complete: true });
  const a = armed;
  if (a && Number.isNaN(a.times[i]!) && --a.remaining === 0)
    send({ op: 'matched', id: a.id, times: [...a.times], complete: true });
}

function arm(id: number, items: ExpectItem[]): void {
  const n = clients.length;
  const live = clients.filter((c) => !c.dead).length;
  armed = {
    id,
    items: items.map((it) => ({
      typeUrl: it.typeUrl,
      name: it.name,
      marker: it.markerHex ? Buffer.from(it.markerHex, 'hex') : undefined,
    })),
    matched: new Uint32Array(n),
    times: new Float64Array(n).fill(Number.NaN),
    remaining: live,
  };
  send({ op: 'armed', id });
  if (live === 0) send({ op: 'matched', id, times: [], complete: true });
}

/* ------------------------------------------------------------------------------- floor */

interface FloorState {
  id: number;
  nonce: string;
  times: Float64Array;
  remaining: number;
}
const floorCalls: H2Call[] = [];
/** The floor's clients read as the ADS clients do: a message equal to an earlier one is not copied. */
const floorMemo = new ResponseMemo(true);
let floorArmed: FloorState | undefined;

function floorConnect(target: string, nodes: Buffer[]): void {
  nodes.forEach((node, i) => {
    const call: H2Call = new H2Call({
      target,
      path: SOTW_METHOD,
      waitForReady: true,
      candidates: floorMemo.candidates,
      onMessage: (buf) => {
        const at = nowMs();
        counters.bytes += buf.length + 5;
        const e = floorMemo.parse(buf).env;
        const f = floorArmed;
        if (f && e.nonce === f.nonce && Number.isNaN(f.times[i]!)) {
          f.times[i] = at;
          if (--f.remaining === 0)
            send({ op: 'floor-matched', id: f.id, times: [...f.times], complete: true });
        }
        call.write(message(lenField(1, e.version), lenField(4, e.typeUrl), lenField(5, e.nonce))); // ACK
      },
      onClose: () => undefined,
    });
    call.write(message(lenField(2, node), lenField(4, EDS)));
    floorCalls.push(call);
  });
}

/* ------------------------------------------------------------------------------- IPC */

let nodes: Buffer[] = [];

process.on('message', (raw) => {
  const msg = raw as ToWorker;
  try {
    switch (msg.op) {
      case 'init': {
        first = msg.first;
        syncTimes = new Float64Array(msg.count).fill(Number.NaN);
        syncRemaining = msg.count;
        nodes = Array.from({ length: msg.count }, (_, i) => encodeNode(buildNode(msg.shape, msg.first + i)));
        const sotw = msg.mode === 'sotw';
        memo = new ResponseMemo(sotw);
        for (let i = 0; i < msg.count; i++) {
          const env: ClientEnv = {
            target: msg.target,
            mode: msg.mode,
            node: nodes[i]!,
            goal: msg.goal,
            candidates: memo.candidates,
            share,
            parse: (buf) => memo.parse(buf),
            defer,
            sotwRequest,
            onBytes: (n, typeUrl) => {
              counters.bytes += n;
              const t = shortType(typeUrl);
              counters.bytesByType[t] = (counters.bytesByType[t] ?? 0) + n;
              counters.responses++;
            },
            onAck: () => counters.acks++,
            onError: (err) => {
              counters.errors++;
              counters.lastError = err instanceof Error ? err.message : String(err);
            },
            onDead,
            onSynced: (client, at) => {
              syncTimes[client.index - first] = at;
              if (--syncRemaining === 0) send({ op: 'synced', times: [...syncTimes], complete: true });
            },
            onResponse: (client, e, buf, at) => onResponse(client, e, buf, at, sotw),
          };
          clients.push(new AdsClient(msg.first + i, env));
        }
        send({ op: 'inited' });
        if (msg.count === 0) send({ op: 'synced', times: [], complete: true });
        break;
      }
      case 'connect': {
        // In small batches, so early clients' responses are read while later ones connect.
        let next = 0;
        const batch = (): void => {
          const end = Math.min(clients.length, next + 50);
          for (; next < end; next++) clients[next]!.start();
          if (next < clients.length) setImmediate(batch);
        };
        batch();
        break;
      }
      case 'sync-collect':
        send({ op: 'synced', times: [...syncTimes], complete: syncRemaining === 0 });
        break;
      case 'expect':
        arm(msg.id, msg.items);
        break;
      case 'collect':
        if (armed && armed.id === msg.id)
          send({ op: 'matched', id: msg.id, times: [...armed.times], complete: armed.remaining === 0 });
        break;
      case 'counters':
        send({ op: 'counters', counters: { ...counters, bytesByType: { ...counters.bytesByType } } });
        break;
      case 'floor-connect':
        floorConnect(msg.target, nodes);
        send({ op: 'floor-connected', streams: floorCalls.length });
        break;
      case 'floor-expect':
        floorArmed = {
          id: msg.id,
          nonce: msg.nonce,
          times: new Float64Array(floorCalls.length).fill(Number.NaN),
          remaining: floorCalls.length,
        };
        send({ op: 'floor-armed', id: msg.id });
        break;
      case 'floor-collect':
        if (floorArmed && floorArmed.id === msg.id)
          send({
            op: 'floor-matched',
            id: msg.id,
            times: [...floorArmed.times],
            complete: floorArmed.remaining === 0,
          });
        break;
      case 'close':
        for (const c of clients) c.close();
        for (const call of floorCalls) call.cancel();
        send({ op: 'closed' });
        setTimeout(() => process.exit(0), 50).unref();
        break;
    }
  } catch (err) {
    send({ op: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});

process.on('disconnect', () => process.exit(0));
send({ op: 'ready' });
