/**
 * What the deterministic model reads out of an item's own text to write about it: `Key: value` lines (a
 * template's `Customer: {{customer}}`) and the prose sentences, from which an extractive summary is built.
 * Everything here is linear in the text and reads at most the first MAX_CHARS characters.
 */

/** Longer texts are summarized from their beginning: the answer must not cost more than the request. */
const MAX_CHARS = 8_000;

/** One `Key: value` line of the text. */
export interface TextField {
  /** Lowercase, single spaces (`Order ID` -> `order id`). */
  key: string;
  value: string;
}

/** The parts of an item's text an answer is built from. */
export interface TextParts {
  fields: TextField[];
  /** Prose sentences in order, instruction lead-ins and greetings dropped. */
  sentences: string[];
}

const FIELD_LINE = /^\s*([A-Za-z][\w .'/-]{0,30}?)\s*:\s+(\S.{0,159})$/;
const GREETING = /^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^,.!?]{0,30}[,.!]\s*/i;
const SIGN_OFF = /^(?:thanks|thank you|regards|best|cheers|kind regards)\b/i;
const INSTRUCTION = /^(?:you are|you will|classify|summari[sz]e|extract|return|respond|answer|rate|triage|label|categori[sz]e|read|output|format)\b/i;
const SENTENCE_END = /(?<=[.!?])\s+(?=[A-Z0-9"'(])/;
const WHO_KEYS = /^(?:customer|from|author|user|sender|reviewer|client|requester|name|reporter)$/;
const TOPIC_KEYS = /^(?:subject|title|topic|headline|summary|issue)$/;

/** Splits `text` into `Key: value` fields and prose sentences. */
export function textParts(text: string): TextParts {
  const fields: TextField[] = [];
  const prose: string[] = [];
  for (const line of text.slice(0, MAX_CHARS).split('\n')) {
    const field = FIELD_LINE.exec(line);
    const value = field?.[2]?.trim();
    if (field && value && !/[.!?]\s/.test(value)) {
      const key = normalizeKey(field[1] as string);
      fields.push({ key, value });
      // a field holding a sentence (`Review: The lid cracked on day two`) is prose as well; a subject is not
      if (!WHO_KEYS.test(key) && !TOPIC_KEYS.test(key) && value.split(' ').length >= 6) prose.push(value);
    } else if (line.trim() && !line.trimStart().startsWith('```')) prose.push(line.trim());
  }
  // a line break ends a sentence too
  const sentences = prose.flatMap((line) => line.split(SENTENCE_END)).map(cleanSentence).filter((s): s is string => s !== undefined);
  return { fields, sentences };
}

/** `Order_ID`, `order-id` and `Order ID` name the same field. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function cleanSentence(raw: string): string | undefined {
  const sentence = raw.replace(GREETING, '').trim();
  if (sentence.length < 3 || SIGN_OFF.test(sentence) || INSTRUCTION.test(sentence) || sentence.endsWith(':')) return undefined;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The value of the first field whose key matches. */
export function fieldMatching(parts: TextParts, keys: RegExp): string | undefined {
  return parts.fields.find((field) => keys.test(field.key))?.value;
}

/**
 * A one-line summary in the item's own words, at most `maxChars` long (cut at a word): its first sentence,
 * prefixed with the text's topic and author fields when they fit (`API responses are slow (Chloe at
 * Northwind): Average latency ... went up.`). Undefined when the text has neither prose nor fields.
 */
export function extractiveSummary(parts: TextParts, maxChars: number): string | undefined {
  const lead = parts.sentences[0];
  const who = fieldMatching(parts, WHO_KEYS);
  const topic = fieldMatching(parts, TOPIC_KEYS);
  const candidates = lead
    ? [topic && who && `${topic} (${who}): ${lead}`, who && `${who}: ${lead}`, topic && `${topic}: ${lead}`, lead]
    : [topic && who && `${topic} (${who})`, topic, parts.fields[0]?.value];
  const texts = candidates.filter((c): c is string => Boolean(c));
  if (!texts.length) return undefined;
  return texts.find((c) => c.length <= maxChars) ?? cutAtWord(texts[texts.length - 1] as string, maxChars);
}

/** `text` cut to at most `maxChars`, at the last space when there is one in the second half. */
export function cutAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, Math.max(0, maxChars));
  const space = cut.lastIndexOf(' ');
  return space > maxChars / 2 ? cut.slice(0, space).replace(/[,;:(\s-]+$/, '') : cut;
}
