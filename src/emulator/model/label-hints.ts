import { pick } from '../hashing';

/** Words that make an item pressing; `urgency`/`priority`-like numbers rise with them. */
const URGENT_HINTS = ['urgent*', 'asap', 'immediately', 'blocked', 'blocking', 'outage', 'down', 'incident', 'locked', 'cannot', "can't", 'critical', 'emergency', 'fails', 'failing', 'error*', 'declined', 'charged twice', 'need access', 'deadline', 'before our', 'today'];

/** Words that make an item able to wait. */
const CALM_HINTS = ['would love', 'roadmap', 'question', 'how long', 'whenever', 'no rush', 'when you can', 'feature request', 'curious', 'wondering'];

/**
 * How the deterministic model picks a label the way a reader of the item would: the label named in the text,
 * or the one whose usual words the text uses (a double charge is billing, a locked login is account). The
 * word lists are data: add a label's words here, never a branch. A hint ending in `*` is a word prefix
 * (`charg*`: charge, charged, charges); any other hint is a whole word or phrase (an `s` plural included).
 */
export const LABEL_HINTS: Readonly<Record<string, readonly string[]>> = {
  positive: ['good', 'great', 'love*', 'excellent', 'happy', 'wonderful', 'amazing', 'best', 'fantastic', 'pleased', 'thank*', 'awesome', 'appreciat*', 'perfect', 'glad', 'enjoy*', 'recommend*', 'superb'],
  negative: ['bad', 'terrible', 'hate', 'awful', 'poor', 'worst', 'broken', 'angry', 'disappoint*', 'refund*', 'frustrat*', 'unacceptable', 'annoy*', 'fail*', 'error*', 'wrong', 'declined', 'locked', 'blocked', 'slow*', 'charged twice', 'duplicate', 'empty', 'stopped', 'not working', 'cannot', "can't", 'incident', 'used to be', 'complain*', 'problem*', 'useless'],
  neutral: ['okay', 'ok', 'average', 'fine', 'neutral', 'nothing special', 'so-so'],
  billing: ['bill*', 'charg*', 'invoice*', 'refund*', 'payment*', 'pay', 'paid', 'card', 'credit card', 'price*', 'pricing', 'vat', 'tax*', 'subscription*', 'plan', 'prorat*', 'seat', 'receipt*', 'cost*', 'discount*', 'renewal'],
  bug: ['bug*', 'error*', 'fail*', 'broken', 'crash*', 'empty', 'not working', "doesn't work", 'stopped working', 'stopped receiving', 'wrong', 'glitch*', 'exception*', 'incorrect', 'missing', 'regression'],
  performance: ['slow*', 'latency', 'lag*', 'takes minutes', 'takes seconds', 'to load', 'loading', 'timeout*', 'timing out', 'speed', 'performance', 'instant', 'hang*', 'freez*', 'sluggish'],
  account: ['account*', 'login', 'log in', 'logged out', 'password*', 'locked', 'lockout', 'access', 'sign in', 'owner*', 'permission*', 'two-factor', '2fa', 'sso', 'profile', 'username'],
  security: ['breach*', 'phishing', 'vulnerab*', 'hack*', 'suspicious', 'compromis*', 'leak*', 'malware'],
  shipping: ['deliver*', 'shipp*', 'shipment*', 'package*', 'parcel*', 'tracking', 'courier', 'arriv*'],
  feature: ['feature request', 'would love', 'roadmap', 'wish', 'could you add', 'support for', 'suggest*'],
  question: ['how long', 'how do', 'how can', 'what is', 'wondering', 'question'],
  spam: ['win', 'free', 'prize', 'click', 'offer', 'cruise', 'winner', 'lottery', 'unsubscribe'],
  high: URGENT_HINTS,
  urgent: URGENT_HINTS,
  critical: URGENT_HINTS,
  low: CALM_HINTS,
};

/** Labels a reader falls back on when the text points nowhere (in this order). */
const FALLBACK_LABELS = ['other', 'neutral', 'medium', 'normal', 'general', 'none', 'unknown', 'misc', 'n/a'];

const hintPatterns = new Map<string, RegExp | null>();
const mentionPatterns = new Map<string, RegExp>();

/**
 * The enum value a reader of `lower` (the item's text, lowercase) would choose: each value scores 3 per
 * mention of itself and 1 per hint word; the highest score wins, ties go to the value mentioned first.
 * Nothing scoring: the first fallback label the enum has (`other`, `neutral`, ...), else a value drawn from
 * `hash` and `salt`. Non-string values are only ever drawn.
 */
export function chooseLabel(values: readonly unknown[], lower: string, hash: string, salt: string): unknown {
  let best: { value: unknown; score: number; at: number } | undefined;
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const { score, at } = labelScore(value, lower);
    if (score > 0 && (!best || score > best.score || (score === best.score && at < best.at))) best = { value, score, at };
  }
  if (best) return best.value;
  const fallback = FALLBACK_LABELS.map((label) => values.find((v) => typeof v === 'string' && normalizeLabel(v) === label)).find((v) => v !== undefined);
  return fallback ?? values[pick(values.length, hash, salt)];
}

/**
 * How pressing the text reads, in [0, 1]: 0.25 with no sign either way, up a quarter per urgent word over
 * the calm ones, down to 0 when calm words win.
 */
export function urgencyOf(lower: string): number {
  const balance = countMatches(patternFor(URGENT_HINTS), lower) - countMatches(patternFor(CALM_HINTS), lower);
  return balance < 0 ? 0 : Math.min(1, 0.25 + balance * 0.25);
}

function labelScore(value: string, lower: string): { score: number; at: number } {
  const label = normalizeLabel(value);
  let score = 0;
  let at = Infinity;
  if (label.length > 1 && !FALLBACK_LABELS.includes(label)) {
    const mention = mentionPattern(label);
    mention.lastIndex = 0;
    for (let m = mention.exec(lower); m; m = mention.exec(lower)) {
      score += 3;
      at = Math.min(at, m.index);
    }
  }
  const hints = hintPattern(label);
  if (hints) {
    hints.lastIndex = 0;
    for (let m = hints.exec(lower); m; m = hints.exec(lower)) {
      score += 1;
      at = Math.min(at, m.index);
    }
  }
  return { score, at };
}

/** `Feature_Request` and `feature-request` are the label `feature request`. */
function normalizeLabel(value: string): string {
  return value.toLowerCase().replace(/[_-]+/g, ' ').trim();
}

function mentionPattern(label: string): RegExp {
  let pattern = mentionPatterns.get(label);
  if (!pattern) {
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escape(label)}(?:e?s)?(?![\\p{L}\\p{N}])`, 'gu');
    mentionPatterns.set(label, pattern);
  }
  return pattern;
}

function hintPattern(label: string): RegExp | null {
  if (!hintPatterns.has(label)) {
    const hints = LABEL_HINTS[label] ?? LABEL_HINTS[label.split(' ')[0] as string];
    hintPatterns.set(label, hints ? patternFor(hints) : null);
  }
  return hintPatterns.get(label) ?? null;
}

const compiled = new Map<string, RegExp>();

function patternFor(hints: readonly string[]): RegExp {
  const key = hints.join('|');
  let pattern = compiled.get(key);
  if (!pattern) {
    const alternatives = hints.map((hint) => (hint.endsWith('*') ? `${escape(hint.slice(0, -1))}[\\p{L}]*` : `${escape(hint)}(?:e?s)?`));
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'gu');
    compiled.set(key, pattern);
  }
  return pattern;
}

function countMatches(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(text)) count += 1;
  return count;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
