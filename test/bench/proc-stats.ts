/**
 * CPU and memory of a process from Linux procfs: CPU seconds from `/proc/PID/stat` (utime +
 * stime, fields 14 and 15, in clock ticks), resident memory from `/proc/PID/status` (VmRSS now,
 * VmHWM the peak). The peak is reset per scenario by writing 5 to `/proc/PID/clear_refs`; where
 * that is not allowed, the sampled maximum of VmRSS stands in for it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticks: number | undefined;

function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of `pid` in seconds (children not included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may contain spaces: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export interface MachineCpu {
  /** Process time of every process (user, nice, system, steal), all cores, in seconds. */
  readonly tasks: number;
  /** Interrupt and softirq time: mostly loopback networking of the bench's own traffic. */
  readonly irq: number;
}

/** CPU seconds the whole machine spent busy (all cores; /proc/stat without idle and iowait). */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const t = clockTicks();
  return {
    tasks: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (steal ?? 0)) / t,
    irq: ((irq ?? 0) + (softirq ?? 0)) / t,
  };
}

export interface Memory {
  rssBytes: number;
  hwmBytes: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** Resets VmHWM to the current RSS; false when the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS every `intervalMs` to catch peaks when VmHWM cannot be reset. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  max = 0;
  last = 0;

  constructor(
    private readonly pid: number,
    /** Count VmHWM in the peak (only when it was reset at the start). */
    private readonly useHwm: boolean,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    try {
      const m = memory(this.pid);
      this.last = m.rssBytes;
      this.max = Math.max(this.max, m.rssBytes, this.useHwm ? m.hwmBytes : 0);
    } catch {
      // The process is gone; keep what was seen.
    }
  }
}
