import { hashHex, pick } from '../hashing';
import { cutAtWord, extractiveSummary, fieldMatching, textParts, type TextParts } from './content-summary';

/**
 * What the deterministic model "understands" of an item: the words of its own text (the user turns, not the
 * instructions shared by every item of a job) and a stable hash of the whole request.
 */
export interface TextFeatures {
  /** The item's own text, as sent. */
  text: string;
  lower: string;
  /** Content words in order of first appearance (lowercase, no stop words, no duplicates). */
  keywords: string[];
  /** Its `Key: value` fields and prose sentences. */
  parts: TextParts;
  /** Hash of the request body: the seed of every drawn choice, so the same request gets the same answer. */
  hash: string;
}

const STOP_WORDS = new Set(
  ('a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our '
    + 'she so than that the their them then there these they this to was we were what when where which who why '
    + 'will with you your about can could should would please each item text following given answer return json '
    + 'classify extract summarize describe').split(' '),
);

/** Extracts the features of `text` (the item's own text); `bodyKey` is the serialized request body (it seeds the hash). */
export function textFeatures(text: string, bodyKey: string): TextFeatures {
  const lower = text.toLowerCase();
  const seen = new Set<string>();
  const keywords: string[] = [];
  for (const word of lower.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []) {
    if (word.length < 3 || STOP_WORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    keywords.push(word);
  }
  return { text, lower, keywords, parts: textParts(text), hash: hashHex(bodyKey) };
}

/** Up to `n` keywords, starting at a hash-chosen offset among the first ones so answers vary per input. */
export function someKeywords(features: TextFeatures, n: number, salt = ''): string[] {
  const { keywords } = features;
  if (keywords.length <= n) return keywords.length ? [...keywords] : ['nothing', 'in', 'particular'].slice(0, n);
  const start = pick(Math.min(3, keywords.length - n + 1), features.hash, salt);
  return keywords.slice(start, start + n);
}

const OPENINGS = ['The text is about', 'Key points:', 'In short:', 'This concerns', 'Main topics:'];

/**
 * A one-line summary of the item in its own words, at most `maxChars` long: its lead sentence with its topic
 * and author fields (see extractiveSummary); for a text without sentences or fields, a line over its keywords.
 */
export function summarize(features: TextFeatures, maxChars = 400, salt = ''): string {
  const extracted = extractiveSummary(features.parts, maxChars);
  if (extracted) return extracted;
  const words = someKeywords(features, 6, salt);
  const opening = OPENINGS[pick(OPENINGS.length, features.hash, 'opening', salt)] as string;
  const listed = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : (words[0] ?? '');
  return truncate(`${opening} ${listed}.`, maxChars);
}

/** The item's topic field (`Subject: ...`) when it has one, else a title-cased phrase of two or three keywords. */
export function titleOf(features: TextFeatures, salt = ''): string {
  const topic = fieldMatching(features.parts, /^(?:subject|title|topic|headline)$/);
  if (topic) return cutAtWord(topic, 80);
  return someKeywords(features, 2 + pick(2, features.hash, 'title', salt), salt)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, Math.max(0, maxChars));
}

/** Plausible token count of text: about four characters per token, at least 1 for non-empty text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}
