/**
 * Reads a LoCoMo file (the schema in the dataset's README): conversations of dated sessions of
 * turns, and questions with evidence turn ids. Evidence ids are normalised here and used only
 * for scoring: nothing from `qa` but the question text ever reaches indexing or querying.
 */
import { readFileSync } from 'node:fs';

export interface Turn {
  /** Normalised dialogue id, e.g. D3:12. */
  id: string;
  session: number;
  speaker: string;
  text: string;
  /** Caption of a shared image, when the turn shared one. */
  caption?: string;
  /** The session's start time (epoch ms), if its date parses. */
  time?: number;
}

export interface Question {
  question: string;
  category: number;
  /** Normalised evidence ids that exist in the conversation. */
  evidence: string[];
}

export interface Conversation {
  id: string;
  speakers: [string, string];
  turns: Turn[];
  questions: Question[];
}

/** 'D:11:26' -> 'D11:26', 'D30:05' -> 'D30:5'; anything else unparseable -> undefined. */
export function normaliseDiaId(raw: string): string | undefined {
  const m = /^D:?(\d+):0*(\d+)$/.exec(raw.trim());
  return m ? `D${Number(m[1])}:${Number(m[2])}` : undefined;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** Parses '1:56 pm on 8 May, 2023' (the dataset's session date format) to epoch ms (UTC). */
export function parseSessionDate(text: string): number | undefined {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[5]!.toLowerCase());
  if (month < 0) return undefined;
  let hour = Number(m[1]) % 12;
  if (m[3]!.toLowerCase() === 'pm') hour += 12;
  return Date.UTC(Number(m[6]), month, Number(m[4]), hour, Number(m[2]));
}

interface RawTurn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}

interface RawConversation {
  sample_id: string;
  conversation: Record<string, unknown> & { speaker_a: string; speaker_b: string };
  qa: { question: string; category: number; evidence?: string[] }[];
}

export function loadLocomo(path: string): Conversation[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawConversation[];
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON array of conversations`);
  return raw.map((c) => {
    const turns: Turn[] = [];
    for (const key of Object.keys(c.conversation)) {
      const m = /^session_(\d+)$/.exec(key);
      if (!m) continue;
      const session = Number(m[1]);
      const date = c.conversation[`session_${session}_date_time`];
      const time = typeof date === 'string' ? parseSessionDate(date) : undefined;
      for (const t of c.conversation[key] as RawTurn[]) {
        const id = normaliseDiaId(t.dia_id);
        if (!id) continue;
        turns.push({
          id,
          session,
          speaker: t.speaker,
          text: t.text,
          ...(t.blip_caption ? { caption: t.blip_caption } : {}),
          ...(time ? { time } : {}),
        });
      }
    }
    turns.sort((a, b) => a.session - b.session || Number(a.id.split(':')[1]) - Number(b.id.split(':')[1]));
    const known = new Set(turns.map((t) => t.id));
    const questions: Question[] = c.qa.map((q) => ({
      question: q.question,
      category: q.category,
      evidence: [
        ...new Set(
          (q.evidence ?? [])
            .flatMap((e) => e.split(/[;\s]+/))
            .map(normaliseDiaId)
            .filter((e): e is string => e !== undefined && known.has(e)),
        ),
      ],
    }));
    return { id: c.sample_id, speakers: [c.conversation.speaker_a, c.conversation.speaker_b], turns, questions };
  });
}
