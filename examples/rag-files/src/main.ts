/**
 * Retrieval-augmented answers over an agent's files (`npm start -w @engram/example-rag-files`,
 * which builds the repository first; or `npm run build && node examples/rag-files/dist/main.js`):
 * a small handbook is written into `agent.files`, and a LangChain chain retrieves passages with
 * EngramFilesRetriever (hybrid search over file chunks, each naming its file and lines), puts
 * them in the prompt and asks the model. The model is a scripted fake from @langchain/core, so
 * the demo runs offline; the prompt it receives is printed. Data lives in $ENGRAM_DIR, or in a
 * temp directory removed at the end; run again on the same $ENGRAM_DIR, the files are rewritten in
 * place, not doubled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engram } from '@engram/core';
import { EngramFilesRetriever } from '@engram/langchain';
import type { Document } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';

const HANDBOOK: Record<string, string> = {
  '/handbook/deploy.md': `# Deploying

Deploys go out from the main branch only.
Run \`npm run deploy\` after the CI checks are green.
A deploy takes about five minutes; watch the #ops channel.

## Rolling back

Run \`npm run rollback\` to return to the previous release.
`,
  '/handbook/holidays.md': `# Holidays

Everyone gets 25 days of paid holiday a year.
Ask your lead two weeks ahead for breaks longer than a week.
`,
  '/handbook/expenses.md': `# Expenses

Submit receipts within 30 days in the expenses app.
Meals while travelling are covered up to 40 euros a day.
`,
};

const formatDocs = (docs: Document[]) =>
  docs.map((d) => `[${d.metadata.path}:${d.metadata.startLine}-${d.metadata.endLine}]\n${d.pageContent.trim()}`).join('\n\n');

export async function main(say: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const dir = process.env.ENGRAM_DIR ?? mkdtempSync(join(tmpdir(), 'engram-rag-'));
  try {
    const engram = await Engram.open({ dir });
    const agent = await engram.agent('rag-demo');
    await agent.files.mkdir('/handbook', { recursive: true });
    for (const [path, text] of Object.entries(HANDBOOK)) await agent.files.writeFile(path, text);
    say(`Wrote ${Object.keys(HANDBOOK).length} handbook files into agent "rag-demo" (${dir})`);

    const retriever = new EngramFilesRetriever({ agent, k: 2, path: '/handbook' });
    const prompt = ChatPromptTemplate.fromMessages([
      ['system', 'Answer from the handbook passages below and cite the file.\n\n{context}'],
      ['human', '{question}'],
    ]);
    const model = new FakeListChatModel({
      responses: [
        'Run `npm run rollback`; it returns to the previous release (/handbook/deploy.md).',
        'Meals are covered up to 40 euros a day while travelling (/handbook/expenses.md).',
      ],
    });
    const showPrompt = new RunnableLambda({
      func: (value: Awaited<ReturnType<typeof prompt.invoke>>) => {
        const indent = (text: string) => text.replace(/\n(?=.)/g, '\n      ');
        say(
          `  prompt sent to the model:\n${value
            .toChatMessages()
            .map((m) => `    ${m.getType()}: ${indent(String(m.content))}`)
            .join('\n')}`,
        );
        return value;
      },
    });
    const chain = RunnableSequence.from([
      { context: retriever.pipe(formatDocs), question: new RunnablePassthrough() },
      prompt,
      showPrompt,
      model,
      new StringOutputParser(),
    ]);

    for (const question of ['How do I undo a bad deploy?', 'Which meals are covered when travelling?']) {
      say('');
      say(`question: ${question}`);
      const answer = await chain.invoke(question);
      say(`  answer: ${answer}`);
    }
    await engram.close();
  } finally {
    if (!process.env.ENGRAM_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
