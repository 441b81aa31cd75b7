/**
 * `npm run bench [-- flags]`: the issue 3 benchmark. Prints a table (or JSON with `--json`);
 * exits 1 when a client never converged, 0 otherwise (targets are reported, not enforced).
 *
 *   --clients N --services M --endpoints K --mode sotw|delta --shape proxyless|sidecar
 *   --workers W --repeat R --warmup W --scenarios a,b --floor-rounds F --timeout-ms T --settle-ms S --steady-wait-ms W
 *   --debounce-ms D --log-level L --floor-baseline-bytes B --dir DIR --keep-dir --cpu-prof DIR
 *   --meshplane-log FILE --json --topology single|split|compare
 *
 * `--topology compare` runs the bench against `meshplane discovery` and then against
 * `meshplane galley` + `meshplane pilot`, and prints the extra latency of the hop (issue 5).
 */
import { CHANGE_SCENARIOS, DEFAULT_OPTIONS, runBench, type BenchOptions } from './bench.js';
import { compareTopologies, formatHop } from './hop.js';
import { formatReport } from './report.js';

function usage(): string {
  return [
    'usage: npm run bench -- [--clients N] [--services M] [--endpoints K] [--mode sotw|delta]',
    '       [--shape proxyless|sidecar] [--scope S] [--workers W] [--repeat R] [--warmup W] [--scenarios ' +
      CHANGE_SCENARIOS.map((s) => s.name).join(',') +
      ']',
    '       [--floor-rounds F] [--timeout-ms T] [--settle-ms S] [--steady-wait-ms W] [--debounce-ms D] [--log-level L]',
    '       [--floor-baseline-bytes B] [--dir DIR] [--keep-dir] [--cpu-prof DIR] [--load-cpu-prof DIR] [--meshplane-log FILE] [--json]',
    '       [--topology single|split|compare]',
  ].join('\n');
}

function parse(argv: string[]): { options: BenchOptions; json: boolean; compare: boolean } {
  const o: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  let json = false;
  let compare = false;
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0)
      throw new Error(`${flag} needs a non-negative number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--clients':
      case '--services':
      case '--endpoints':
      case '--workers':
      case '--repeat':
      case '--warmup':
        o[flag.slice(2)] = num(flag, value());
        break;
      case '--floor-rounds':
        o['floorRounds'] = num(flag, value());
        break;
      case '--timeout-ms':
        o['timeoutMs'] = num(flag, value());
        break;
      case '--settle-ms':
        o['settleMs'] = num(flag, value());
        break;
      case '--steady-wait-ms':
        o['steadyWaitMs'] = num(flag, value());
        break;
      case '--debounce-ms':
        o['debounceMs'] = num(flag, value());
        break;
      case '--mode': {
        const v = value();
        if (v !== 'sotw' && v !== 'delta') throw new Error('--mode is sotw or delta');
        o['mode'] = v;
        break;
      }
      case '--shape': {
        const v = value();
        if (v !== 'proxyless' && v !== 'sidecar') throw new Error('--shape is proxyless or sidecar');
        o['shape'] = v;
        break;
      }
      case '--scenarios': {
        const names = (value() ?? '').split(',').filter(Boolean);
        const known = CHANGE_SCENARIOS.map((s) => s.name);
        const bad = names.filter((n) => !known.includes(n));
        if (bad.length) throw new Error(`unknown scenario(s) ${bad.join(', ')}; known: ${known.join(', ')}`);
        o['scenarios'] = names;
        break;
      }
      case '--log-level':
        o['logLevel'] = value();
        break;
      case '--dir':
        o['dir'] = value();
        break;
      case '--keep-dir':
        o['keepDir'] = true;
        break;
      case '--meshplane-log':
        o['meshplaneLog'] = value();
        break;
      case '--floor-baseline-bytes':
        o['floorBaselineBytes'] = num(flag, value());
        break;
      case '--cpu-prof':
        o['cpuProfDir'] = value();
        break;
      case '--scope':
        o['scope'] = num(flag, value());
        break;
      case '--load-cpu-prof':
        o['loadCpuProfDir'] = value();
        break;
      case '--json':
        json = true;
        break;
      case '--topology': {
        const v = value();
        if (v !== 'single' && v !== 'split' && v !== 'compare')
          throw new Error('--topology is single, split or compare');
        if (v === 'compare') compare = true;
        else o['topology'] = v;
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(`${usage()}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${arg}\n${usage()}`);
    }
  }
  return { options: o as unknown as BenchOptions, json, compare };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const { options, json, compare } = parsed;
  const progress = (l: string): void => void process.stderr.write(`[bench] ${l}\n`);
  if (compare) {
    const hop = await compareTopologies({ ...options, progress });
    process.stdout.write(
      json
        ? `${JSON.stringify(hop, null, 2)}\n`
        : `${formatReport(hop.single)}\n\n${formatReport(hop.split)}\n\n${formatHop(hop)}\n`,
    );
    const results = [hop.single, hop.split];
    const converged = results.every((r) =>
      r.scenarios.every((s) => s.convergence.converged === s.convergence.count),
    );
    return converged ? 0 : 1;
  }
  const result = await runBench({ ...options, progress });
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(result)}\n`);
  const allConverged = result.scenarios.every((s) => s.convergence.converged === s.convergence.count);
  return allConverged ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
