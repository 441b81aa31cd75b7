#!/usr/bin/env node
/**
 * The CLI: the only module that reads argv and the environment (design §2). Parses one Options
 * object with zod and hands it down.
 */
import { runIssueCert } from './security/issue-cert-command.js';
import { ComponentServer } from './component-server.js';
import { Discovery } from './discovery.js';
import { runValidate } from './galley/validate-command.js';
import { parseArgs } from './options.js';
import { runProxyStatus } from './proxy-status-command.js';
import { configureLogger } from './util/log.js';
import { hostname } from 'node:os';

/** How far past --drain-duration a shutdown may run (closing sockets, flushing) before exit(1). */
const FORCE_EXIT_MARGIN_MS = 5_000;

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`meshplane: ${parsed.error}\n`);
    return 2;
  }
  // Issue 8: a replica's id defaults to its pod name (Deployment pods get it as HOSTNAME).
  const options =
    (parsed.options.command === 'discovery' ||
      parsed.options.command === 'galley' ||
      parsed.options.command === 'pilot') &&
    !parsed.options.replicaId
      ? {
          ...parsed.options,
          replicaId: (
            process.env['POD_NAME'] ||
            process.env['HOSTNAME'] ||
            // Several processes on one machine must not share an id.
            `${hostname()}-${process.pid}`
          ).toLowerCase(),
        }
      : parsed.options;
  if (options.command === 'validate') {
    return runValidate(options.files, (line) => process.stdout.write(`${line}\n`));
  }
  if (options.command === 'issue-cert') {
    return runIssueCert(
      options,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  }
  if (options.command === 'proxy-status') {
    return runProxyStatus(
      options.server,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  }
  const logger = configureLogger(options.logLevel);
  const discovery =
    options.command === 'discovery' ? new Discovery(options, logger) : new ComponentServer(options, logger);
  // Graceful shutdown (Kubernetes sends SIGTERM, then SIGKILL after the pod's
  // terminationGracePeriodSeconds): drain within --drain-duration, then exit 0. A second signal
  // exits at once; a drain that overruns by far is cut short, so the pod never hangs.
  const drainMs = options.drainDurationMs;
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, drainMs }, 'shutting down');
    setTimeout(() => {
      logger.error({ drainMs }, 'shutdown overran the drain duration: exiting now');
      process.exit(1);
    }, drainMs + FORCE_EXIT_MARGIN_MS).unref();
    discovery.stop(drainMs).then(
      () => {
        logger.info({ signal }, 'shutdown complete');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await discovery.start();
  } catch (err) {
    logger.fatal({ err }, `meshplane failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await discovery.stop().catch(() => undefined);
    return 1;
  }
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`meshplane: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
