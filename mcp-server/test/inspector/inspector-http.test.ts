/**
 * The web inspector over real HTTP, on both engines: every page renders and escapes what it
 * shows; no GET changes anything (a crawler follows every link, confirmation pages included);
 * changes need a POST from this origin with the form's token; tokens, login sessions and
 * per-agent access are honoured before any agent is opened; `engram inspect` serves it alone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../../src/http.js';
import { createInspector } from '../../src/inspector/inspector.js';
import { DRIVER_NAMES, agentFiles, onCleanup, openEngram, startCli, tempDir } from '../helpers.js';
import { seedAgent } from './seed.js';
import { crawl, csrfOf, fingerprint, hit, post } from './support.js';

async function serve(options: HttpServerOptions): Promise<HttpServerHandle> {
  const handle = await startHttpServer({ port: 0, ...options });
  onCleanup(() => handle.close());
  return handle;
}

describe.each(DRIVER_NAMES)('inspector over HTTP (%s)', (driver) => {
  it('renders every page reachable by links, and no GET changes any data', async () => {
    const engram = await openEngram(driver);
    const agent = await seedAgent(engram, 'support-bot', { filler: 120 });
    const lean = await engram.agent('lean');
    await lean.memories.remember({ text: 'only a memory here' });
    const before = [await fingerprint(agent), await fingerprint(lean)];
    const http = await serve({ engram });
    const pages = await crawl(http.url);
    const paths = [...pages.keys()];
    // Every section of the seeded agent, and the confirmation pages, were reached.
    for (const expected of [
      '/agents/support-bot/',
      '/agents/support-bot/memories',
      '/agents/support-bot/files',
      '/agents/support-bot/kv',
      '/agents/support-bot/tasks',
      '/agents/support-bot/actions',
      '/agents/support-bot/branches',
      '/agents/support-bot/branches/experiment',
      '/agents/support-bot/branches/experiment/merge',
      '/agents/support-bot/branches/experiment/discard',
      '/agents/support-bot/snapshots/before-experiment/restore',
      '/agents/support-bot/actions?run=run-1',
      '/agents/support-bot/files?path=%2Fnotes%2Fplan.md',
      '/agents/lean/files',
    ]) {
      expect(paths, expected).toContain(expected);
    }
    expect(paths.some((p) => /\/memories\/mem_[0-9a-f]+\/forget$/.test(p))).toBe(true);
    expect(paths.some((p) => p.includes('offset=50'))).toBe(true);
    for (const [path, res] of pages) {
      expect(res.status, path).toBe(200);
      expect(res.headers['content-security-policy'], path).toMatch(/default-src 'none'; script-src 'self'/);
      // Nothing inline for the policy to refuse: no inline script, style attribute or handler.
      expect(res.body, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle="|\son[a-z]+="/);
    }
    expect([await fingerprint(agent), await fingerprint(lean)]).toEqual(before);
    // The lean agent's unused stores got no tables from being looked at.
    expect(await lean.storesInUse()).toEqual({ files: false, actions: false, tasks: false, kv: false });
  });

  it('shows recall hits with their score parts, a memory with its supersede history, and a branch diff', async () => {
    const engram = await openEngram(driver);
    await seedAgent(engram, 'support-bot');
    const http = await serve({ engram });
    const recall = await hit(`${http.url}/agents/support-bot/memories?q=${encodeURIComponent('oolong tea')}&mode=hybrid`);
    expect(recall.status).toBe(200);
    expect(recall.body).toContain('Alice switched to oolong tea');
    expect(recall.body).toMatch(/text \d+\.\d{3} \(#1\)/);
    expect(recall.body).toMatch(/vector -?\d\.\d{3} \(#\d+\)/);
    expect(recall.body).toMatch(/fused \d\.\d{3}/);
    // Filters: kind, tag, dates (the "to" day included).
    const events = await hit(`${http.url}/agents/support-bot/memories?kind=event`);
    expect(events.body).toContain('Bob moved to Lisbon in March');
    expect(events.body).not.toContain('Always answer in British English');
    const today = new Date().toISOString().slice(0, 10);
    const recent = await hit(`${http.url}/agents/support-bot/memories?since=${today}&until=${today}`);
    expect(recent.body).toContain('Alice switched to oolong tea');
    expect(recent.body).not.toContain('Bob moved to Lisbon in March');
    expect(recent.body).toContain('1–1 of 1');
    const text = await hit(`${http.url}/agents/support-bot/memories?q=oolong&mode=text`);
    expect(text.body).toMatch(/text \d+\.\d{3} \(#1\)/);
    expect(text.body).not.toMatch(/vector -?\d\.\d{3}/);

    const id = /href="\/agents\/support-bot\/memories\/(mem_[0-9a-f]+)">Alice switched/.exec(recall.body)![1]!;
    const page = await hit(`${http.url}/agents/support-bot/memories/${id}`);
    expect(page.body).toContain('Supersede history');
    expect(page.body.indexOf('Alice prefers green tea in the morning')).toBeLessThan(
      page.body.indexOf('<b aria-current="true">Alice switched to oolong tea</b>'),
    );

    const diff = await hit(`${http.url}/agents/support-bot/branches/experiment`);
    expect(diff.body).toMatch(/<span class="tx line del">Then retire the old cron jobs\.<\/span>/);
    expect(diff.body).toMatch(/<span class="tx line add">Keep the cron jobs one more week\.<\/span>/);
    expect(diff.body).toContain('Carol joins the team in May');
    expect(diff.body).toMatch(/<td>kv<\/td>\s*<td class="num ok">0<\/td>\s*<td class="num warn">1<\/td>/);
  });

  it('escapes every value it shows', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('x');
    const evil = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';
    await agent.memories.remember({ text: evil, tags: ['<b>tag</b>'], source: '"><svg onload=alert(3)>', metadata: { html: evil } });
    await agent.kv.set('<i>key</i>', { v: evil });
    await agent.files.writeFile('/<u>odd.txt', evil);
    await agent.tasks.create({ title: evil });
    await agent.actions.record({ name: '<marquee>', error: evil });
    const http = await serve({ engram });
    const pages = await crawl(http.url);
    expect(pages.size).toBeGreaterThan(8);
    for (const [path, res] of pages) {
      expect(res.body, path).not.toMatch(/<script>alert|<img src=x|<svg onload|<b>tag|<i>key|<u>odd|<marquee/);
    }
    const memories = pages.get('/agents/x/memories')!.body;
    expect(memories).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('changes data only by a POST from this origin carrying the form token; each change works', async () => {
    const engram = await openEngram(driver);
    const agent = await seedAgent(engram, 'support-bot');
    const http = await serve({ engram });
    const base = http.url;
    const [memory] = await agent.memories.recall('staging database', { limit: 1 });
    const id = memory!.memory.id;
    const confirm = await hit(`${base}/agents/support-bot/memories/${id}/forget`);
    expect(confirm.body).toContain('Forget this memory?');
    const csrf = csrfOf(confirm.body);
    const path = `/agents/support-bot/memories/${id}/forget`;
    const refused = [
      await post(base, path, {}), // no token
      await post(base, path, { _csrf: 'forged' }),
      await post(base, path, { _csrf: csrf }, { origin: 'http://evil.example' }),
      await post(base, path, { _csrf: csrf }, { origin: 'http://127.0.0.1:1' }), // another local site
      await post(base, path, { _csrf: csrf }, { 'sec-fetch-site': 'cross-site' }),
      await hit(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${csrf}`,
      }), // no Origin
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(await agent.memories.get(id)).not.toBeNull();
    const forgot = await post(base, path, { _csrf: csrf });
    expect(forgot.status).toBe(303);
    expect(forgot.headers.location).toBe('/agents/support-bot/memories?done=forgotten');
    expect(await agent.memories.get(id)).toBeNull();
    expect((await post(base, path, { _csrf: csrf })).status).toBe(404);

    // Edit: only the fields that changed; invalid input is a 400 page, nothing stored.
    const [tea] = await agent.memories.recall('oolong', { limit: 1 });
    const edit = `/agents/support-bot/memories/${tea!.memory.id}`;
    const saved = await post(base, edit, {
      _csrf: csrf,
      text: 'Alice drinks oolong now',
      kind: 'preference',
      tags: 'alice, tea',
      importance: '0.9',
      source: '',
      context: '',
    });
    expect(saved.status).toBe(303);
    expect(await agent.memories.get(tea!.memory.id)).toMatchObject({
      text: 'Alice drinks oolong now',
      tags: ['alice', 'tea'],
      importance: 0.9,
    });
    const bad = await post(base, edit, { _csrf: csrf, text: 'x', kind: 'Not A Kind!', importance: '0.9' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/kind/i);
    expect((await agent.memories.get(tea!.memory.id))!.kind).toBe('preference');

    // Snapshot, then merge the branch, then restore: the agent goes back.
    expect((await post(base, '/agents/support-bot/snapshots', { _csrf: csrf, name: 'pre-merge' })).status).toBe(303);
    expect((await agent.snapshots.list()).map((s) => s.name)).toContain('pre-merge');
    const merged = await post(base, '/agents/support-bot/branches/experiment/merge', { _csrf: csrf, policy: 'fail' });
    expect(merged.status).toBe(303);
    expect(await agent.kv.get('cursor')).toBe(43);
    expect(await agent.branches.list()).toEqual([]);
    expect((await post(base, '/agents/support-bot/snapshots/pre-merge/restore', { _csrf: csrf })).status).toBe(303);
    expect(await agent.kv.get('cursor')).toBe(42);

    // Discard.
    await agent.branches.create('scratch');
    expect((await post(base, '/agents/support-bot/branches/scratch/discard', { _csrf: csrf })).status).toBe(303);
    expect(await agent.branches.list()).toEqual([]);
  });

  it('answers a merge conflict with the diff page and a 409, changing nothing', async () => {
    const engram = await openEngram(driver);
    const agent = await seedAgent(engram, 'support-bot');
    await agent.kv.set('cursor', 99); // the agent and the branch both changed it
    const http = await serve({ engram });
    const page = await hit(`${http.url}/agents/support-bot/branches/experiment/merge`);
    const res = await post(http.url, '/agents/support-bot/branches/experiment/merge', { _csrf: csrfOf(page.body), policy: 'fail' });
    expect(res.status).toBe(409);
    expect(res.body).toContain('Not merged: CONFLICT');
    expect(await agent.kv.get('cursor')).toBe(99);
    expect((await agent.branches.list()).map((b) => b.name)).toEqual(['experiment']);
  });
});

describe('inspector: access', () => {
  it('with a token: a login page, then a session cookie; the bearer header works too; MCP still needs the bearer', async () => {
    const engram = await openEngram('turso');
    await seedAgent(engram, 'support-bot');
    const http = await serve({ engram, token: 'open sesame' });
    const anon = await hit(`${http.url}/agents/support-bot/memories`);
    expect(anon.status).toBe(401);
    expect(anon.body).toContain('Log in');
    expect(anon.body).not.toContain('Alice');
    expect(anon.body).toContain('name="next" value="/agents/support-bot/memories"');
    const csrf = csrfOf(anon.body);
    const wrong = await post(http.url, '/login', { _csrf: csrf, token: 'open sesam', next: '/' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const ok = await post(http.url, '/login', { _csrf: csrf, token: 'open sesame', next: '//evil.example/' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/'); // never another site
    const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await hit(`${http.url}/agents/support-bot/memories`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Alice switched to oolong tea');
    // A form token belongs to its session: the anonymous one does not pass with the cookie.
    const [m] = await (await engram.agent('support-bot')).memories.list({ limit: 1 });
    const forget = `/agents/support-bot/memories/${m!.id}/forget`;
    expect((await post(http.url, forget, { _csrf: csrf }, { cookie })).status).toBe(403);
    const bearer = await hit(`${http.url}/`, { headers: { authorization: 'Bearer open sesame' } });
    expect(bearer.status).toBe(200);
    expect(bearer.body).toContain('support-bot');
    // The cookie opens no MCP endpoint.
    const mcp = await hit(`${http.url}/agents/support-bot/mcp`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(mcp.status).toBe(401);
    // Log out ends the session.
    const out = await post(http.url, '/logout', { _csrf: csrfOf(page.body) }, { cookie });
    expect(out.status).toBe(303);
    expect((await hit(`${http.url}/`, { headers: { cookie } })).status).toBe(401);
  });

  it('a per-agent access rule hides other agents: not listed, 404, nothing opened or changed', async () => {
    const engram = await openEngram('turso');
    const alice = await seedAgent(engram, 'alice');
    const bob = await seedAgent(engram, 'bob');
    const bobBefore = await fingerprint(bob);
    const [m] = await bob.memories.list({ limit: 1 });
    await bob.close();
    const inspector = createInspector({ engram, authorize: () => ({ canSee: (id) => id === 'alice' }) });
    const server = createServer((req, res) => void inspector.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const home = await hit(`${base}/`);
    expect(home.body).toContain('href="/agents/alice/"');
    expect(home.body).not.toContain('bob');
    const opened = engram.openAgents;
    for (const path of ['/agents/bob/', '/agents/bob/memories', `/agents/bob/memories/${m!.id}`, '/agents/bob/branches/experiment']) {
      const res = await hit(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body).toContain('No agent bob here.');
    }
    const csrf = csrfOf((await hit(`${base}/agents/alice/branches`)).body);
    expect((await post(base, `/agents/bob/memories/${m!.id}/forget`, { _csrf: csrf })).status).toBe(404);
    expect((await post(base, '/agents/bob/branches/experiment/discard', { _csrf: csrf })).status).toBe(404);
    expect(engram.openAgents).toBe(opened); // bob's handle was closed above and the inspector never reopened it
    expect(await fingerprint(bob)).toBe(bobBefore);
    expect((await hit(`${base}/agents/alice/`)).status).toBe(200);
    expect(await alice.memories.count()).toBeGreaterThan(0);
  });

  it('hostile agent ids and paths get 400 or 404 and create nothing; Host and Origin rules apply', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram });
    for (const id of ['..', '..%2F..%2Fetc', '%2e%2e', 'UPPER', 'a%20b', 'a%00b', '-lead', 'x'.repeat(129), 'a%2Fb', '%E0%A4%A']) {
      const res = await hit(`${http.url}/agents/${id}/memories`);
      expect([400, 404], `${id}: ${res.status}`).toContain(res.status);
    }
    expect((await hit(`${http.url}/agents/ghost/`)).status).toBe(404);
    expect((await hit(`${http.url}/nowhere`)).status).toBe(404);
    expect((await hit(`${http.url}/`, { method: 'DELETE' })).status).toBe(405);
    expect((await hit(`${http.url}/`, { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await hit(`${http.url}/`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(agentFiles(engram.root)).toEqual([]);
  });
});

describe('engram inspect (the CLI)', () => {
  it('serves the inspector alone and stops on SIGTERM', async () => {
    const dir = tempDir();
    const engram = await openEngram('turso', dir);
    await (await engram.agent('demo')).memories.remember({ text: 'seen in the inspector' });
    await engram.close();
    const { url, child, exited } = await startCli(
      ['inspect', '--port', '0', '--dir', dir],
      /Engram inspector on (http:\/\/127\.0\.0\.1:\d+)\//,
    );
    // The default embedder differs from the test's: the agent page says so instead of failing.
    const home = await hit(`${url}/`);
    expect(home.status).toBe(200);
    expect(home.body).toContain('href="/agents/demo/"');
    const mismatch = await hit(`${url}/agents/demo/`);
    expect(mismatch.status).toBe(409);
    expect(mismatch.body).toContain('EMBEDDER_MISMATCH');
    const mcp = await hit(`${url}/agents/demo/mcp`);
    expect(mcp.status).toBe(404); // no MCP endpoint: the inspector has no such page
    expect(mcp.body).toContain('No page mcp for an agent.');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
