/**
 * What one push does to the streams of a group that are in step with it (delta: the content they
 * hold; SotW: the content they were sent), decided once per push and shared. A push visits thousands of streams; those of one group hold the same content
 * (held-resources.ts), watch the same interned names and get the same generated result, so the
 * first stream's decision (nothing to send, or the group's prepared diff) holds for all of them.
 * Reusing it saves each stream the generation lookup, its content, diff and prepared-response
 * lookups: most of a stream's share of a push besides the write itself (issue 3).
 *
 * The key is the content the stream holds: content objects are built per generated result, and
 * results per group and subscription, so two streams holding the same content object were in the
 * same group with the same subscription when they got it. Callers only use an outcome for a
 * stream whose group cannot change (`SourceBinding.stableGroup`), with no forced names pending,
 * and compare the subscription; a prepared response is only reused if it is newer than the
 * stream's last one (nonces only grow).
 */
import type { PushRequest } from '../model/push-request.js';
import type { TypeContent } from './content.js';
import type { PreparedResponse } from './prepared-response.js';
import type { Subscription } from './type-state.js';

export interface PushOutcome<P extends PreparedResponse> {
  /** What the stream holds once the push is applied. */
  readonly content: TypeContent;
  /** The response to write; absent: nothing to send. */
  readonly prepared?: P;
  /** SotW full-state types: the names the push changed (`Round.changed`). */
  readonly changed?: ReadonlySet<string> | 'all';
  readonly names: ReadonlySet<string>;
  readonly wildcard: boolean;
  /** SotW: the version last sent, part of the key (a stream's may lag its content's). */
  readonly sentVersion?: string;
}

/** What a stream applies beside the content: the response to write, the changed names. */
export interface OutcomeParts<P extends PreparedResponse> {
  readonly prepared?: P;
  readonly changed?: ReadonlySet<string> | 'all';
}

export class PushOutcomes<P extends PreparedResponse> {
  private push: PushRequest | undefined;
  private readonly byHeld = new Map<TypeContent, PushOutcome<P>>();

  /** The outcome of `push` for a stream holding `held` with `sub`, if one was recorded. */
  find(
    push: PushRequest,
    held: TypeContent,
    sub: Subscription,
    sentVersion?: string,
  ): PushOutcome<P> | undefined {
    if (push !== this.push) return undefined;
    const o = this.byHeld.get(held);
    return o && o.names === sub.names && o.wildcard === sub.wildcard && o.sentVersion === sentVersion
      ? o
      : undefined;
  }

  /** Records the outcome of `push` for streams holding `held` (forgets older pushes). */
  record(
    push: PushRequest,
    held: TypeContent,
    sub: Subscription,
    content: TypeContent,
    parts: OutcomeParts<P> = {},
    sentVersion?: string,
  ): void {
    if (push !== this.push) {
      this.push = push;
      this.byHeld.clear();
    }
    this.byHeld.set(held, { ...parts, content, names: sub.names, wildcard: sub.wildcard, sentVersion });
  }
}
