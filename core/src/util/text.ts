/**
 * Text that must be stored exactly as given. A lone UTF-16 surrogate (half of an emoji, say,
 * from a string cut in the wrong place) has no UTF-8 form: the engines would store U+FFFD
 * instead and the text would come back altered. Such text is refused, naming the field.
 */
import { invalid } from './errors.js';

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Returns `value` unchanged, or throws INVALID_ARGUMENT when it holds an unpaired surrogate.
 * @example
 * checkWellFormed(input.text, 'memory text');
 */
export function checkWellFormed<T extends string | null | undefined>(value: T, field: string): T {
  if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
    const at = value.search(LONE_SURROGATE);
    throw invalid(
      `${field} holds an unpaired surrogate (UTF-16 code unit 0x${value.charCodeAt(at).toString(16)} at index ${at}), which cannot be stored as UTF-8; was a string cut inside an emoji?`,
      { field, index: at },
    );
  }
  return value;
}
