import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** `1G`, `512M`, `64k` or plain bytes (binary units). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!match) {
    throw new Error(`not a size: ${text}`);
  }
  const power = ['', 'k', 'm', 'g', 't'].indexOf(match[2].toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** String options with defaults, plus switches (`--smoke`) that read as 'true' or 'false'. */
export function flags(options: Record<string, { default: string }>, switches: string[] = []): Record<string, string> {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: 'string' as const, ...o }])),
      ...Object.fromEntries(switches.map((name) => [name, { type: 'boolean' as const, default: false }])),
    },
    strict: true,
  });
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)]));
}

export const MiB = 1024 * 1024;

/** A table with right-aligned columns after the first. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) {
    console.log(line(row));
  }
}

export function writeResults(name: string, results: unknown): string {
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** CPU time (user + system) a process has used so far, in ms (Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker script next to this one, forked with IPC; `next()` resolves with its next message. */
export class Worker {
  readonly child: ChildProcess;
  private readonly inbox: unknown[] = [];
  private waiting?: { resolve: (m: unknown) => void; reject: (e: Error) => void };
  private exited?: Error;

  constructor(script: string, env: Record<string, string> = {}) {
    this.child = fork(join(__dirname, script), [], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message) => {
      if (this.waiting) {
        this.waiting.resolve(message);
        this.waiting = undefined;
      } else {
        this.inbox.push(message);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`${script} exited (${code ?? signal})`);
      this.waiting?.reject(this.exited);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(message: unknown): void {
    this.child.send(message as object);
  }

  next<T>(): Promise<T> {
    if (this.inbox.length > 0) {
      return Promise.resolve(this.inbox.shift() as T);
    }
    if (this.exited) {
      return Promise.reject(this.exited);
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting = { resolve: resolve as (m: unknown) => void, reject };
    });
  }

  /** Waits for a message and fails with the worker's error if it sent one. */
  async expect<T>(): Promise<T> {
    const message = await this.next<T & { error?: string }>();
    if (message.error) {
      throw new Error(message.error);
    }
    return message;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
}

/** In a worker: answers each message from the parent with `handle`'s result, or `{ error }`. */
export function serve(handle: (message: { type: string } & Record<string, unknown>) => Promise<unknown>): void {
  process.on('message', (message: { type: string } & Record<string, unknown>) => {
    handle(message).then(
      (reply) => {
        if (reply !== undefined) {
          process.send?.(reply);
        }
      },
      (error: unknown) => {
        process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      },
    );
  });
}
