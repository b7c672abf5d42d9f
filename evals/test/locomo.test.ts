import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@engram/test-support';
import { describe, expect, it } from 'vitest';
import { Bm25 } from '../src/locomo/bm25.js';
import { loadLocomo, normaliseDiaId, parseSessionDate } from '../src/locomo/dataset.js';
import { ndcgAt, recallAnyAt, recallAt, ScoreBoard } from '../src/locomo/metrics.js';
import { previousTurns, turnText } from '../src/locomo/turn-memory.js';

describe('LoCoMo metrics', () => {
  const relevant = new Set(['a', 'b']);
  it('computes recall@k, recall_any@k and NDCG@k', () => {
    expect(recallAt(['x', 'a', 'y', 'b'], relevant, 2)).toBe(0.5);
    expect(recallAt(['x', 'a', 'y', 'b'], relevant, 4)).toBe(1);
    expect(recallAnyAt(['x', 'y', 'a'], relevant, 2)).toBe(0);
    expect(recallAnyAt(['x', 'y', 'a'], relevant, 3)).toBe(1);
    expect(ndcgAt(['a', 'b'], relevant, 10)).toBeCloseTo(1);
    expect(ndcgAt(['x', 'a'], new Set(['a']), 10)).toBeCloseTo(1 / Math.log2(3));
    const board = new ScoreBoard();
    board.add(['a'], new Set(['a']));
    board.add(['x'], new Set(['a']));
    expect(board.scores()).toMatchObject({ n: 2, 'recall@10': 0.5, 'recall_any@10': 0.5 });
  });
});

describe('LoCoMo reader', () => {
  it('normalises evidence ids and session dates as the dataset README says', () => {
    expect(normaliseDiaId('D:11:26')).toBe('D11:26');
    expect(normaliseDiaId('D30:05')).toBe('D30:5');
    expect(normaliseDiaId('D')).toBeUndefined();
    expect(new Date(parseSessionDate('1:56 pm on 8 May, 2023')!).toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('sometime')).toBeUndefined();
  });

  it('reads turns in order and keeps only evidence that exists', () => {
    const dir = tempDir('locomo-');
    const file = join(dir, 'tiny.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          sample_id: 'conv-x',
          conversation: {
            speaker_a: 'Ann',
            speaker_b: 'Bo',
            session_1_date_time: '9:00 am on 1 June, 2023',
            session_1: [
              { speaker: 'Ann', dia_id: 'D1:2', text: 'I adopted a cat named Tofu.' },
              { speaker: 'Bo', dia_id: 'D1:1', text: 'Any news?', blip_caption: 'a photo of a cat' },
            ],
          },
          qa: [
            { question: 'What is the name of Ann\u2019s cat?', answer: 'Tofu', evidence: ['D1:2; D9:9'], category: 4 },
            { question: 'Unanswerable?', adversarial_answer: 'x', evidence: [], category: 5 },
          ],
        },
      ]),
    );
    const [c] = loadLocomo(file);
    expect(c!.turns.map((t) => t.id)).toEqual(['D1:1', 'D1:2']);
    expect(c!.turns[0]!.caption).toBe('a photo of a cat');
    expect(c!.turns[0]!.time).toBe(Date.UTC(2023, 5, 1, 9, 0));
    expect(c!.questions[0]!.evidence).toEqual(['D1:2']);
    expect(c!.questions[1]!.evidence).toEqual([]);
  });
});

describe('BM25 baseline', () => {
  it('ranks documents by term overlap weighted by rarity', () => {
    const bm25 = new Bm25(['the cat sat', 'the dog ran', 'a cat and a dog', 'the the the']);
    expect(bm25.search('cat', 10)).toEqual([0, 2]);
    expect(bm25.search('dog ran', 1)).toEqual([1]);
    expect(bm25.search('zebra', 10)).toEqual([]);
    // Stopwords match nothing, as in the usual off-the-shelf setup.
    expect(bm25.search('the and', 10)).toEqual([]);
  });
});

describe('turn memories', () => {
  it('stores a turn with its speaker and photo, and the turns before it in the session as context', () => {
    const turn = (id: string, session: number, text: string) => ({ id, session, speaker: 'Ann', text });
    const turns = [turn('D1:1', 1, 'one'), turn('D1:2', 1, 'two'), turn('D1:3', 1, 'three'), turn('D2:1', 2, 'four')];
    expect(turnText({ ...turns[0]!, caption: 'a cat' })).toBe('Ann: one [shared a photo: a cat]');
    expect(previousTurns(turns, 2, 2)).toBe('Ann: one\nAnn: two');
    expect(previousTurns(turns, 2, 1)).toBe('Ann: two');
    expect(previousTurns(turns, 0, 2)).toBeUndefined();
    expect(previousTurns(turns, 3, 2)).toBeUndefined(); // a new session starts afresh
    expect(previousTurns(turns, 2, 0)).toBeUndefined();
  });
});
