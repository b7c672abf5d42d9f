/** Inspector test support: raw HTTP requests, a crawler of GET links, and a fingerprint of an agent's data. */
import { request } from 'node:http';
import type { Agent } from '@engram/core';

export interface Hit {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with any headers (Host and Origin included). */
export function hit(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Hit> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A form POST as a page of `base` would send it (same Origin), with extra headers. */
export function post(base: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Hit> {
  return hit(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The CSRF token of the first form on a page. */
export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no form with a CSRF token on this page');
  return match[1]!;
}

/** Every local link of a page, with entities decoded. */
export function linksOf(page: string): string[] {
  return [...page.matchAll(/href="(\/[^"]*)"/g)]
    .map((m) => m[1]!.replaceAll('&amp;', '&').replace(/#.*$/, ''))
    .filter((l) => !l.startsWith('/static/'));
}

/** GETs every page reachable from `start` (at most `max`), returning each path with its answer. */
export async function crawl(base: string, start = '/', max = 300, headers: Record<string, string> = {}): Promise<Map<string, Hit>> {
  const seen = new Map<string, Hit>();
  const queue = [start];
  while (queue.length > 0 && seen.size < max) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    const res = await hit(`${base}${path}`, { headers });
    seen.set(path, res);
    for (const link of linksOf(res.body)) if (!seen.has(link)) queue.push(link);
  }
  return seen;
}

/** Everything an agent holds, as one comparable string (tables included). */
export async function fingerprint(agent: Agent): Promise<string> {
  const schema = await agent.use((s) => s.conn.all<{ name: string }>(`SELECT name FROM sqlite_master ORDER BY name`));
  const used = await agent.storesInUse();
  const memories = await agent.memories.list({ includeSuperseded: true, limit: 1000 });
  return JSON.stringify({
    schema: schema.map((r) => r.name),
    used,
    memories: memories.map((m) => [m.id, m.text, m.updatedAt, m.validTo]),
    kv: used.kv ? await agent.kv.list({ values: true, limit: 1000 }) : [],
    files: used.files ? (await agent.files.readdir('/', { recursive: true })).map((f) => [f.path, f.sha256, f.modifiedAt]) : [],
    tasks: used.tasks ? (await agent.tasks.list({ limit: 1000 })).map((t) => [t.id, t.status, t.updatedAt]) : [],
    actions: used.actions ? (await agent.actions.list({ limit: 1000 })).map((a) => a.id) : [],
    branches: (await agent.branches.list()).map((b) => b.name),
    snapshots: (await agent.snapshots.list()).map((s) => s.name),
  });
}
