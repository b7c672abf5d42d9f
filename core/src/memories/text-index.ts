/** The memories' own term index (used where the engine's full-text index is not: see search/term-index.ts). */
import { TermIndex } from '../search/term-index.js';

export const MEMORY_TEXT_INDEX = new TermIndex('memories');
