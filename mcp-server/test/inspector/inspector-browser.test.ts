/**
 * The inspector used as a person would, in headless Chromium: find an agent, look at its
 * overview, recall a memory and read its score parts, open it, forget it after confirming,
 * look at a branch diff and merge it, browse files, and move around by keyboard. Screenshots
 * go to results/screenshots/. Any console error (a Content-Security-Policy violation
 * included) fails the test.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http.js';
import { onCleanup, openEngram } from '../helpers.js';
import { browserTestsRun, launch, SCREENSHOTS } from './browser.js';
import { seedAgent } from './seed.js';

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe.skipIf(!browserTestsRun())('inspector in a browser', () => {
  it('open, search, recall, open a memory, forget it with confirmation, look at a diff, merge, browse files', async () => {
    const engram = await openEngram('turso');
    const agent = await seedAgent(engram, 'support-bot', { filler: 2000 });
    await (await engram.agent('research-agent')).memories.remember({ text: 'Papers on retrieval' });
    const http = await startHttpServer({ engram, port: 0 });
    onCleanup(() => http.close());
    const browser = await launch();
    onCleanup(browser.close);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    // Agents, searched from the keyboard: "/" focuses the search box.
    await page.goto(`${http.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Agents');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    await page.keyboard.type('support');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?q=support/);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr td').nth(1).textContent()).toBe('2,006'); // every version: one is superseded
    await shot(page, '01-agents');

    // Overview with its charts.
    await page.getByRole('link', { name: 'support-bot' }).click();
    await page.waitForURL(/\/agents\/support-bot\/$/);
    expect(await page.locator('svg.chart').count()).toBe(2);
    expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(10);
    await shot(page, '02-overview');

    // "g m" goes to memories; "n" to the next page of 50.
    await page.keyboard.press('g');
    await page.keyboard.press('m');
    await page.waitForURL(/\/memories$/);
    await page.locator('main').focus();
    expect(await page.locator('.pager').textContent()).toContain('1–50 of 2,005');
    await page.keyboard.press('n');
    await page.waitForURL(/offset=50/);
    expect(await page.locator('.pager').textContent()).toContain('51–100 of 2,005');

    // Recall with score parts.
    await page.getByLabel('Recall').fill('oolong tea');
    await page.getByLabel('Recall').press('Enter');
    await page.waitForURL(/q=oolong/);
    const first = page.locator('tbody tr').first();
    expect(await first.locator('a.open').textContent()).toBe('Alice switched to oolong tea');
    expect(await first.locator('.parts').textContent()).toMatch(/vector -?\d\.\d{3} \(#\d+\)[\s\S]*text \d+\.\d{3} \(#1\)[\s\S]*fused/);
    await shot(page, '03-recall');

    // The memory, with the one it superseded.
    await first.locator('a.open').click();
    await page.waitForURL(/\/memories\/mem_/);
    const id = page.url().split('/').pop()!;
    expect(await page.locator('#history ~ ol li').count()).toBe(2);
    expect(await page.locator('#history ~ ol').textContent()).toContain('Alice prefers green tea in the morning');
    await shot(page, '04-memory');

    // Forget, with confirmation: the danger button has the focus; Cancel goes back.
    await page.getByRole('link', { name: 'Forget this memory…' }).click();
    await page.waitForURL(/\/forget$/);
    expect(await page.locator('h1').textContent()).toBe('Forget this memory?');
    await shot(page, '05-forget-confirm');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(new RegExp(`/memories/${id}$`));
    expect(await agent.memories.get(id)).not.toBeNull();
    await page.getByRole('link', { name: 'Forget this memory…' }).click();
    await page.waitForURL(/\/forget$/);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Forget');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/memories\?done=forgotten$/);
    expect(await page.locator('.flash').textContent()).toBe('Memory forgotten.');
    expect(await agent.memories.get(id)).toBeNull();

    // A branch diff, then merge it after confirming.
    await page.getByRole('link', { name: 'Branches' }).click();
    await page.getByRole('link', { name: 'experiment' }).click();
    await page.waitForURL(/\/branches\/experiment$/);
    await expect.poll(() => page.locator('.line.del').first().textContent()).toBe('Then retire the old cron jobs.');
    expect(await page.locator('.line.add').allTextContents()).toContain('Keep the cron jobs one more week.');
    await shot(page, '06-diff');
    await page.getByRole('link', { name: 'Merge…' }).click();
    await page.getByLabel('On conflicts').selectOption('fail');
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.waitForURL(/done=merged/);
    expect(await page.locator('.flash').textContent()).toBe('Branch experiment merged into the agent.');
    expect(await agent.kv.get('cursor')).toBe(43);

    // Files: the tree, a file, a search.
    await page.getByRole('link', { name: 'Files' }).click();
    await page.getByRole('navigation', { name: 'File tree' }).getByRole('link', { name: '▸ notes/' }).click();
    await page.getByRole('navigation', { name: 'File tree' }).getByRole('link', { name: 'plan.md' }).click();
    await expect.poll(() => page.locator('.code .tx').allTextContents()).toContain('Keep the cron jobs one more week.');
    await shot(page, '07-file');
    await page.getByLabel('Search file contents').fill('billing queue');
    await page.getByLabel('Search file contents').press('Enter');
    await expect.poll(() => page.locator('ol.results li a.open').first().textContent()).toBe('/notes/plan.md');

    // Tasks and actions.
    await page.keyboard.press('Escape');
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await page.waitForURL(/\/tasks$/);
    expect(await page.locator('#col-done ~ article').count()).toBe(1);
    expect(await page.locator('#col-pending ~ article').count()).toBe(3);
    expect(await page.locator('#col-pending ~ article').allTextContents()).toContainEqual(
      expect.stringContaining('waiting on dependencies'),
    );
    await shot(page, '08-tasks');
    await page.getByRole('link', { name: 'Actions' }).click();
    await page.waitForURL(/\/actions$/);
    expect(await page.locator('td.status-error').count()).toBe(2);
    expect(await page.locator('.bad').allTextContents()).toContainEqual(expect.stringContaining('SMTP timeout'));
    // "j" moves to the first row, Enter opens its details.
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    expect(await page.locator('tr[data-row]').first().locator('details').getAttribute('open')).not.toBeNull();
    await shot(page, '09-actions');
    // One run on its time axis, in start order.
    await page.getByRole('link', { name: 'run-1' }).first().click();
    await page.waitForURL(/\?run=run-1$/);
    expect(await page.locator('tbody summary').allTextContents()).toEqual(['web_search', 'file_write', 'web_search']);

    // The keyboard help dialog.
    await page.keyboard.press('?');
    expect(await page.locator('dialog#keys').getAttribute('open')).not.toBeNull();
    await page.keyboard.press('Escape');

    expect(problems).toEqual([]);
  });
  it('with a token: log in by keyboard, land on the page asked for, restore a snapshot after confirming, log out', async () => {
    const engram = await openEngram('turso');
    const agent = await seedAgent(engram, 'support-bot');
    await agent.kv.set('cursor', 7); // after the snapshot was taken
    const http = await startHttpServer({ engram, port: 0, token: 'a long shared secret' });
    onCleanup(() => http.close());
    const browser = await launch();
    onCleanup(browser.close);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${http.url}/agents/support-bot/branches`);
    expect(await page.locator('h1').textContent()).toBe('Log in');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('token'); // focused
    await page.keyboard.type('a long shared secret');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(page.url()).toBe(`${http.url}/agents/support-bot/branches`);
    expect(await page.locator('h1').textContent()).toBe('Branches and snapshots');
    await shot(page, '10-branches');

    await page.getByRole('link', { name: 'Restore…' }).click();
    expect(await page.locator('h1').textContent()).toBe('Restore snapshot before-experiment?');
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.waitForURL(/done=restored/);
    expect(await agent.kv.get('cursor')).toBe(42);
    await page.getByRole('link', { name: 'KV' }).click();
    expect(await page.locator('tbody tr', { hasText: 'cursor' }).locator('pre').textContent()).toBe('42');
    await shot(page, '11-kv');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    const res = await page.goto(`${http.url}/agents/support-bot/`);
    expect(res!.status()).toBe(401);
    expect(problems).toEqual([]);
  });
});
