import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PRODUCTS = ['invoice', 'login', 'export', 'dashboard', 'mobile app', 'API key', 'billing plan', 'webhook'];
const PROBLEMS = ['was charged twice', 'fails with an error', 'is very slow', 'shows the wrong totals', 'cannot be found', 'stopped working after the update'];

/** A support ticket row, deterministic by index. */
export function ticket(i: number): { id: string; subject: string; body: string } {
  const product = PRODUCTS[i % PRODUCTS.length]!;
  const problem = PROBLEMS[(i * 7) % PROBLEMS.length]!;
  return { id: `t-${String(i).padStart(6, '0')}`, subject: `My ${product} ${problem}`, body: `Hello, since yesterday my ${product} ${problem}. Ticket number ${i}. Please help.` };
}

/** Writes `count` tickets as JSONL; returns the path. */
export function writeTicketsJsonl(dir: string, count: number, name = 'tickets.jsonl'): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify(ticket(i)));
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export const TICKET_SCHEMA = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'bug', 'performance', 'account', 'other'] },
    urgency: { type: 'integer', minimum: 1, maximum: 5 },
    summary: { type: 'string', maxLength: 200 },
  },
  required: ['category', 'urgency', 'summary'],
  additionalProperties: false,
} as const;

export const TICKET_PROMPT = {
  messages: [
    { role: 'system' as const, content: 'Classify the support ticket. Answer in the required JSON format.' },
    { role: 'user' as const, content: 'Subject: {{subject}}\n\n{{body}}' },
  ],
};
