/**
 * The client side of a forward, alone: CPU ms per MiB of the process that downloads and uploads, with a source and
 * a sink that do as little as they can (no simulator logic, no hash at the sink), so the figure is the client's.
 * Modes: `undici` (a plain undici pipe), `bridge` (BrregClient.download → transfer → IntegrasjonspunktClient.upload,
 * the bridge's own code). Rounds alternate the modes. Run it once per V8 setting to compare them (A/B), e.g.:
 *
 *   node dist-bench/bench/forward-client-ab.js --size 256M --rounds 3
 *   node --max-semi-space-size=1 dist-bench/bench/forward-client-ab.js --size 256M --rounds 3
 *
 * The source and sink are forked without the parent's Node flags, so only the measured process changes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { BrregClient } from '../src/brreg/brreg.client';
import { IntegrasjonspunktClient } from '../src/eformidling/integrasjonspunkt.client';
import { transfer } from '../src/eformidling/payload-transfer';
import { OutboundHttp } from '../src/http/outbound-http';
import type { MaskinportenTokenProvider } from '../src/maskinporten/maskinporten-token.provider';
import { flags, MiB, parseSize } from './common';
import { UploadBudget } from '../src/eformidling/service-limits';

type Role = 'source' | 'sink';
const modes = ['undici', 'bridge'] as const;

/** SIZE bytes ending in the end record of an empty ZIP (what the bridge's ZIP check needs), from one 1 MiB block. */
function source(size: number): Server {
  const block = Buffer.alloc(MiB, 0x5a);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt32LE(size - 22, 16);
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': size });
    let left = size - 22;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!res.write(n === block.length ? block : block.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end(end);
    };
    pump();
  });
}

function sink(): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
}

function serveRole(role: Role): void {
  const server = role === 'source' ? source(Number(process.env.AB_SIZE)) : sink();
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.({ cpuMs: (cpu.user + cpu.system) / 1000 });
  });
}

function startRole(role: Role, size: number): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(__filename, [], { execArgv: [], env: { ...process.env, AB_ROLE: role, AB_SIZE: String(size) } });
  return new Promise((resolve) =>
    child.once('message', (m: { port: number }) => resolve({ child, url: `http://127.0.0.1:${m.port}` })),
  );
}

async function main(): Promise<void> {
  const options = flags({ size: { default: '256M' }, rounds: { default: '3' } });
  const size = parseSize(options.size);
  const [src, dst] = await Promise.all([startRole('source', size), startRole('sink', size)]);
  const http = new OutboundHttp(60_000, {});
  const tokens = { getToken: () => Promise.resolve('bench'), invalidate: () => undefined };
  const brreg = new BrregClient(http, src.url, tokens as unknown as MaskinportenTokenProvider);
  const ip = new IntegrasjonspunktClient(http, dst.url);
  const run: Record<(typeof modes)[number], () => Promise<void>> = {
    async undici() {
      const from = await request(`${src.url}/`, { dispatcher: http.dispatcher });
      const to = await request(`${dst.url}/`, {
        method: 'PUT',
        dispatcher: http.dispatcher,
        headers: { 'content-length': String(from.headers['content-length']) },
        body: from.body,
      });
      await to.body.dump();
    },
    async bridge() {
      const spool = { dir: '/tmp', name: 'ab', filename: 'ab.zip', budget: new UploadBudget('DPO', 2 * size) };
      const measured = await transfer(await brreg.download('ab'), spool, (body, contentLength) =>
        ip.upload('ab', { filename: 'ab.zip', title: 'ab', contentType: 'application/zip', body, contentLength }),
      );
      if (measured.bytes !== size) {
        throw new Error(`moved ${measured.bytes} bytes, not ${size}`);
      }
    },
  };
  const cpuOf = (child: ChildProcess) =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { cpuMs: number }) => resolve(m.cpuMs));
      child.send('cpu');
    });
  console.log(
    `forward-client-ab: ${size / MiB} MiB per transfer; Node flags of this process: ${process.execArgv.join(' ') || 'none'}`,
  );
  for (let round = 0; round < Number(options.rounds); round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const [src0, dst0] = [await cpuOf(src.child), await cpuOf(dst.child)];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await run[mode]();
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const [src1, dst1] = [await cpuOf(src.child), await cpuOf(dst.child)];
      const mib = size / MiB;
      console.log(
        `${mode.padEnd(7)} ${(mib / seconds).toFixed(0).padStart(5)} MiB/s  client ` +
          `${((cpu.user + cpu.system) / 1000 / mib).toFixed(2)} CPU ms/MiB  source ${((src1 - src0) / mib).toFixed(2)}  ` +
          `sink ${((dst1 - dst0) / mib).toFixed(2)}`,
      );
    }
  }
  await http.close();
  src.child.kill();
  dst.child.kill();
}

if (process.env.AB_ROLE) {
  serveRole(process.env.AB_ROLE as Role);
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
