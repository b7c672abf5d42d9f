/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Without
 * /usr/bin/chromium the browser tests skip with a printed reason locally, and fail in CI
 * (CI=true), where .ci/install-browser must have installed it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.ENGRAM_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** True when the browser tests should run; prints why not when they skip. */
export function browserTestsRun(): boolean {
  if (HAVE_CHROMIUM || IN_CI) return true; // in CI a missing browser fails in launch(), loudly
  process.stderr.write(`browser tests skipped: ${CHROMIUM} not found (install it with .ci/install-browser, or apt-get install chromium)\n`);
  return false;
}

/** Where the tests save screenshots (gitignored). */
export const SCREENSHOTS = resolve(fileURLToPath(new URL('../../../results/screenshots', import.meta.url)));

/** A fresh headless Chromium with its own profile; close it after the test. */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!HAVE_CHROMIUM) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium. Run .ci/install-browser (apt-get install -y chromium) first.`,
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'engram-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
