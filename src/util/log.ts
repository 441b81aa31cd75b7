/**
 * The root pino logger and per-module children. Modules take a Logger from their caller where
 * they can (tests pass a silent one); `logger` is the process default set up by main.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger = pino({ level: 'info', base: undefined });

export function configureLogger(level: string, pretty = false): Logger {
  root = pino({
    level,
    base: undefined,
    ...(pretty ? {} : {}),
  });
  return root;
}

export function rootLogger(): Logger {
  return root;
}

/** A child logger for one module, e.g. `moduleLogger('ads')`. */
export function moduleLogger(scope: string, parent: Logger = root): Logger {
  return parent.child({ scope });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
