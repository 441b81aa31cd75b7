/**
 * Keeps meshplane's ValidatingWebhookConfiguration pointing at the certificate it serves, as
 * istiod's webhook controller does: every webhook in the configuration gets `caBundle` = the
 * webhook CA (against Kubernetes the one all replicas share through the `meshplane-webhook-ca`
 * Secret), and `failurePolicy: Fail` once the webhook answers (deploy/webhook.yaml ships with
 * `Ignore`, so installing before meshplane runs blocks nothing). The configuration is re-checked
 * periodically and re-patched if someone re-applies it; a missing configuration or an
 * unreachable API server is retried with backoff, never fatal.
 *
 * The caBundle is compared by content (the decoded PEM, whitespace aside), not by its base64
 * text: replicas sharing the CA find the configuration already right and never write, so they
 * do not flap it between each other.
 */
import {
  AdmissionregistrationV1Api,
  type KubeConfig,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type { Logger } from '../../util/log.js';

export const WEBHOOK_CONFIG_NAME = 'meshplane-validator';

export interface WebhookConfigPatcherOptions {
  readonly kubeConfig: KubeConfig;
  readonly caPem: string;
  readonly logger: Logger;
  /** ValidatingWebhookConfiguration name (default `meshplane-validator`). */
  readonly name?: string;
  /** Policy set once the webhook serves (default `Fail`, as istiod). */
  readonly failurePolicy?: 'Fail' | 'Ignore';
  /** Re-check period after a successful patch (default 30 s). */
  readonly recheckMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export type PatchOutcome = 'patched' | 'unchanged' | 'missing';

/** Whether two base64 caBundles carry the same PEM text, whitespace aside. */
export function sameCaBundle(a: string | undefined, b: string): boolean {
  if (a === b) return true;
  if (!a) return false;
  const pem = (s: string): string => Buffer.from(s, 'base64').toString('utf8').replace(/\s+/g, '');
  return pem(a) === pem(b);
}

const errorCode = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

export class WebhookConfigPatcher {
  private readonly api: AdmissionregistrationV1Api;
  private readonly name: string;
  private readonly caBundle: string;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private backoffMs: number;
  private firstPatch: () => void = () => undefined;
  /** Resolves once the configuration carries our CA (patched or already so). */
  readonly synced: Promise<void>;

  constructor(private readonly options: WebhookConfigPatcherOptions) {
    this.api = options.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    this.name = options.name ?? WEBHOOK_CONFIG_NAME;
    this.caBundle = Buffer.from(options.caPem).toString('base64');
    this.log = options.logger.child({ scope: 'webhook-patcher', config: this.name });
    this.backoffMs = options.initialBackoffMs ?? 500;
    this.synced = new Promise((resolve) => (this.firstPatch = resolve));
  }

  start(): void {
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** What the configuration must look like; returns whether `cfg` was changed. */
  private desired(cfg: V1ValidatingWebhookConfiguration): boolean {
    let changed = false;
    const policy = this.options.failurePolicy ?? 'Fail';
    for (const webhook of cfg.webhooks ?? []) {
      if (!sameCaBundle(webhook.clientConfig.caBundle, this.caBundle)) {
        webhook.clientConfig.caBundle = this.caBundle;
        changed = true;
      }
      if (webhook.failurePolicy !== policy) {
        webhook.failurePolicy = policy;
        changed = true;
      }
    }
    return changed;
  }

  /** One read-modify-write; retries on a write conflict. */
  async reconcileOnce(): Promise<PatchOutcome> {
    for (let attempt = 0; ; attempt++) {
      let cfg: V1ValidatingWebhookConfiguration;
      try {
        cfg = await this.api.readValidatingWebhookConfiguration({ name: this.name });
      } catch (err) {
        if (errorCode(err) === 404) return 'missing';
        throw err;
      }
      if (!this.desired(cfg)) return 'unchanged';
      try {
        await this.api.replaceValidatingWebhookConfiguration({ name: this.name, body: cfg });
        return 'patched';
      } catch (err) {
        if (errorCode(err) !== 409 || attempt >= 5) throw err;
      }
    }
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    let delay: number;
    try {
      const outcome = await this.reconcileOnce();
      if (outcome === 'missing') {
        this.log.warn('ValidatingWebhookConfiguration not found; will retry');
        delay = this.nextBackoff();
      } else {
        if (outcome === 'patched') this.log.info('patched caBundle and failurePolicy');
        this.backoffMs = this.options.initialBackoffMs ?? 500;
        this.firstPatch();
        delay = this.options.recheckMs ?? 30_000;
      }
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'webhook patch failed');
      delay = this.nextBackoff();
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), delay);
    this.timer.unref();
  }

  private nextBackoff(): number {
    const d = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
    return d;
  }
}
