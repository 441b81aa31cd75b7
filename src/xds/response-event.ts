/**
 * The ResponseEvent of one response a stream handed to gRPC (metrics, convergence), logged at
 * debug level. Built field by field: this runs once per stream per push.
 */
import type { PushRequest } from '../model/push-request.js';
import type { Logger } from '../util/log.js';
import type { ResponseEvent, XdsMode } from './connection-types.js';
import type { PreparedResponse } from './prepared-response.js';
import { shortTypeName } from './type-urls.js';

export interface RespondingStream {
  readonly id: string;
  readonly proxyId: string;
  readonly mode: XdsMode;
}

/** `push`: the config change the response carries; absent: an answer to the client's request. */
export function responseEvent(
  stream: RespondingStream,
  log: Logger,
  prepared: PreparedResponse,
  version: string,
  push: PushRequest | undefined,
  startedAt: number,
  debug: boolean,
): ResponseEvent {
  const e: ResponseEvent = {
    connectionId: stream.id,
    proxyId: stream.proxyId,
    mode: stream.mode,
    typeUrl: prepared.type_url,
    nonce: prepared.nonce,
    version,
    resources: prepared.count,
    removed: prepared.removedCount,
    trigger: push ? 'push' : 'request',
    pushStart: push?.start,
    elapsedMs: Date.now() - startedAt,
  };
  if (debug)
    log.debug(
      { type: shortTypeName(e.typeUrl), nonce: e.nonce, version, resources: e.resources, removed: e.removed },
      push ? 'ADS push' : 'ADS response',
    );
  return e;
}
