/**
 * The one HTTP call the remote registries make: GET a JSON document with a deadline and a way to
 * cancel it on close. Any failure (network, timeout, non-2xx, bad JSON) is a thrown
 * `RegistryHttpError`, so a caller can never mistake a failure for an empty answer.
 */

export class RegistryHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

export interface JsonResponse {
  readonly body: unknown;
  readonly headers: Headers;
}

export interface GetJsonOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline for the whole request, body included. */
  readonly timeoutMs: number;
  /** Aborts the request (the registry was closed). */
  readonly signal?: AbortSignal;
}

export async function getJson(url: string, options: GetJsonOptions): Promise<JsonResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...options.headers }, signal });
  } catch (err) {
    const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : '';
    throw new RegistryHttpError(`GET ${redact(url)}: ${cause || String(err)}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new RegistryHttpError(`GET ${redact(url)}: reading body: ${String(err)}`, res.status);
  }
  if (!res.ok) {
    throw new RegistryHttpError(`GET ${redact(url)}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
  }
  try {
    return { body: text.length === 0 ? null : (JSON.parse(text) as unknown), headers: res.headers };
  } catch {
    throw new RegistryHttpError(`GET ${redact(url)}: response is not JSON`, res.status);
  }
}

/** Drops query values that may carry secrets (`token`) from a URL before it is logged. */
export function redact(url: string): string {
  return url.replace(/([?&](?:token|access_token)=)[^&]*/gi, '$1REDACTED');
}
