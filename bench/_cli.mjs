// Shared by the benchmarks: run the CLI in-process (dist/) and measure wall time and peak RSS.
import { PassThrough } from 'node:stream';
import { main } from '../dist/main.js';

export async function cli(argv, env = {}) {
  const out = new PassThrough();
  const chunks = [];
  out.on('data', (c) => chunks.push(c));
  const err = new PassThrough();
  const errChunks = [];
  err.on('data', (c) => errChunks.push(c));
  const t0 = performance.now();
  const code = await main([...argv, '--json', '--log-level', 'warn'], { env: { ...process.env, CI: 'true', ...env }, stdout: out, stderr: err });
  const seconds = (performance.now() - t0) / 1000;
  const text = Buffer.concat(chunks).toString();
  if (code !== 0) throw new Error(`fraudctl ${argv.join(' ')} exited ${code}:\n${Buffer.concat(errChunks).toString()}`);
  return { seconds, summary: JSON.parse(text.trim().split('\n').pop()) };
}

export function peakRssMb() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
