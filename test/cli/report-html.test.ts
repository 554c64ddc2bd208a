import { renderReportHtml } from '../../src/report/report-html';
import { sampleReport } from './report-fixture';

describe('renderReportHtml', () => {
  const page = renderReportHtml(sampleReport());

  it('is one self-contained page: no scripts, no external assets, every chart inline SVG', () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="en"><head><meta charset="utf-8">/);
    expect(page).not.toMatch(/<script|<link|<img|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect((page.match(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" role="img"/g) ?? []).length).toBe(6);
    for (const title of ['Outcomes', 'Time per shard', 'Time per phase', 'Cost per tier', 'Tokens', 'Failure reasons', 'Files']) expect(page).toContain(`<h2>${title}</h2>`);
  });

  it('escapes what comes from the job', () => {
    expect(page).toContain('Job tickets-&lt;2026&gt;&amp;&quot;q&quot;');
    expect(page).not.toContain('tickets-<2026>');
  });

  it('shows outcomes that add up, a bar per shard coloured by round, cost per tier beside realtime, failure reasons', () => {
    expect(page).toContain('<title>succeeded: 5,700 (95.0%)</title>');
    expect(page).toContain('6,000 items, each with exactly one outcome.');
    expect((page.match(/<title>r\d+ s\d+: /g) ?? []).length).toBe(16);
    expect(page).toContain('<title>r2 s0: 45s, 9 requests, flex</title>');
    expect(page).toContain('16 shards; median 36m28s, longest 47m47s.');
    expect(page).toContain('<title>batch: $0.17 for 5,600 items</title>');
    expect(page).toContain('<title>at realtime: $0.34 (same tokens, standard tier)</title>');
    expect(page).not.toContain('realtime: $0.00');
    expect(page).toContain('<title>invalid_output: 70</title>');
    expect(page).toContain('2 item ids appear more than once in the dataset.');
    expect(page).toContain('<code>/data/jobs/tickets/dead-letter.jsonl</code>');
  });

  it('adds up its rounded money, names no tier "none", and explains the shard chart', () => {
    const odd = renderReportHtml(sampleReport({
      cost: { paidUsd: 0.054, realtimeUsd: 0.114, savedUsd: 0.06, priceKnown: true },
      byTier: { batch: { items: 10, tokensIn: 1, tokensOut: 1, costUsd: 0.054 }, none: { items: 4, tokensIn: 0, tokensOut: 0, costUsd: 0 } },
    }));
    expect(odd).toContain('<b>$0.05</b><span class="note">realtime $0.11, saved $0.06</span>');
    expect(odd).not.toMatch(/<title>none: /);
    expect(page).toContain('retry round 2</p>');
    expect(page).toContain('first round');
    expect(page).toContain('>time to collect</text>');
    expect(page).toContain('>shards, by round (r) and index (s)</text>');
  });

  it('shows earlier generations side by side with this one', () => {
    const first = sampleReport({ generation: 1, model: 'gpt-4o-mini', status: 'cancelled' });
    const second = renderReportHtml(sampleReport({ generation: 2, model: 'gpt-4.1-mini' }), [first]);
    expect(second).toContain('<h2>Generations</h2>');
    expect(second).toContain('<th>generation 1</th><th>generation 2</th>');
    expect(second).toMatch(/<th>status<\/th><td>cancelled<\/td><td>completed<\/td>/);
    expect(second).toMatch(/gpt-4o-mini \(batch\)<\/td><td>[^<]*gpt-4\.1-mini/);
    expect(page).not.toContain('<h2>Generations</h2>');
  });

  it('warns when the model was priced as the listed id of its snapshot', () => {
    const guessed = renderReportHtml(sampleReport({ cost: { paidUsd: 1, realtimeUsd: 2, savedUsd: 1, priceKnown: true, priceNote: 'no price listed for gpt-4o-mini-2099-01-01: priced as gpt-4o-mini' } }));
    expect(guessed).toContain('Warning: no price listed for gpt-4o-mini-2099-01-01: priced as gpt-4o-mini.');
  });

  it('says so when there is nothing to chart', () => {
    const empty = renderReportHtml(sampleReport({ shardTimings: [], failuresByReason: {}, byTier: {}, timings: {}, cost: { paidUsd: 0, realtimeUsd: 0, savedUsd: 0, priceKnown: false } }));
    expect(empty).toContain('No shard timings were recorded for this job.');
    expect(empty).toContain('No item failed.');
    expect(empty).toContain('No items reached a provider.');
    expect(empty).not.toContain('<h2>Time per phase</h2>');
  });
});
