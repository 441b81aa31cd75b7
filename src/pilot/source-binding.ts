/**
 * `XdsResourceSource.bind`: one stream's view of the source for one type. The generator and its
 * filter are looked up once; the group (scope) is refreshed only when the generator's scope
 * reads the PushContext (`scopeUsesPush`).
 */
import type { Proxy } from '../model/proxy.js';
import type { PushRequest } from '../model/push-request.js';
import type { GenerateResult, SourceBinding, WatchedResource } from '../xds/source.js';
import type { Generator } from './generators/types.js';
import type { ProxyType, XdsResourceSource } from './xds-source.js';

/** The source bound to one proxy and type (`XdsResourceSource.bind`): one stream's view. */
export class BoundGenerator implements SourceBinding {
  private pt: ProxyType | undefined;
  readonly stableGroup: boolean;
  /**
   * The generator's filter, held directly: a push calls it for every stream, and a call through
   * a field of this one class is cheaper than a lookup on generators of many shapes. Generators
   * are plain objects whose methods never use `this`.
   */
  private readonly filter: Generator['needsPush'] | undefined;

  constructor(
    private readonly source: XdsResourceSource,
    private readonly proxy: Proxy,
    private readonly typeUrl: string,
  ) {
    const generator = source.generatorFor(proxy, typeUrl);
    this.stableGroup = generator?.scopeUsesPush !== true;
    this.filter = generator?.needsPush;
  }

  needsPush(request: PushRequest): boolean {
    return this.filter ? this.filter(request, this.proxy) : false;
  }

  generate(watched: WatchedResource, request: PushRequest): GenerateResult {
    const pt = (this.pt = this.source.refresh(this.pt, this.proxy, this.typeUrl));
    return this.source.generateFor(pt, this.proxy, watched, request);
  }
}
