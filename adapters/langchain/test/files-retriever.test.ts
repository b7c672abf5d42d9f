import { describe, expect, it } from 'vitest';
import { EngramFilesRetriever } from '../src/files-retriever.js';
import { DRIVER_NAMES, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('EngramFilesRetriever on %s', (driver) => {
  it("returns passages of the agent's files as documents naming file and lines", async () => {
    const agent = await (await openEngram(driver)).agent('files');
    await agent.files.mkdir('/docs', { recursive: true });
    await agent.files.mkdir('/notes', { recursive: true });
    await agent.files.writeFile('/docs/deploy.md', '# Deploying\n\nRun npm run deploy from the main branch.\nIt takes five minutes.\n');
    await agent.files.writeFile('/docs/tea.md', '# Tea\n\nAlice prefers green tea.\n');
    await agent.files.writeFile('/notes/deploy.txt', 'deploy notes outside docs\n');
    const retriever = new EngramFilesRetriever({ agent, k: 2, path: '/docs' });
    const docs = await retriever.invoke('how do we deploy?');
    expect(docs[0]!.metadata).toMatchObject({ path: '/docs/deploy.md', startLine: 1 });
    expect(docs[0]!.pageContent).toContain('npm run deploy');
    expect(docs.every((d) => String(d.metadata.path).startsWith('/docs/'))).toBe(true);
  });
});
