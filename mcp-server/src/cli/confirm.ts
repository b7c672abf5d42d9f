/**
 * Confirmation of destructive commands: asked on the terminal (stderr, answer from stdin)
 * unless --yes; without a terminal and without --yes the command refuses (exit 5), so a
 * script can never delete by accident.
 */
import { createInterface } from 'node:readline/promises';
import { CliError, EXIT } from './exit-codes.js';

/** Resolves when the person confirmed; throws NOT_CONFIRMED (exit 5) otherwise. */
export async function confirmOrRefuse(question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError(
      `${question.replace(/\?$/, '')}: refusing without confirmation (no terminal to ask on); pass --yes`,
      EXIT.NOT_CONFIRMED,
      'NOT_CONFIRMED',
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not confirmed: nothing was changed', EXIT.NOT_CONFIRMED, 'NOT_CONFIRMED');
  } finally {
    rl.close();
  }
}
