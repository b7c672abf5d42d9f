/**
 * LangGraph's official checkpointer conformance suite (@langchain/langgraph-checkpoint-validation),
 * plus its opt-in delta-channel history tests, on each driver. The suite calls Jest-style globals;
 * they are lent from vitest before it loads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engram, HashEmbedder } from '@engram/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EngramCheckpointSaver } from '../src/checkpoint/engram-saver.js';
import { DRIVER_NAMES } from './helpers.js';

Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it });
const { validate, deltaChannelHistoryTests } = await import('@langchain/langgraph-checkpoint-validation');

describe.each(DRIVER_NAMES)('EngramCheckpointSaver on %s', (driver) => {
  // One Engram for the whole suite (the helpers' Engram lasts one test).
  const dir = mkdtempSync(join(tmpdir(), 'engram-lc-validation-'));
  const engram = Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
  afterAll(async () => {
    await (await engram).close();
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  const initializer = {
    checkpointerName: `EngramCheckpointSaver (${driver})`,
    // Each checkpointer gets a fresh agent: one database, nothing shared with the others.
    async createCheckpointer() {
      return new EngramCheckpointSaver(await (await engram).agent(`checkpoints-${++n}`));
    },
    async destroyCheckpointer(saver: EngramCheckpointSaver) {
      await saver.agent.close();
    },
  };
  validate(initializer);
  deltaChannelHistoryTests(initializer);
});
