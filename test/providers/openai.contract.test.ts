import { openAiFamilyContract } from './openai-family-contract';
import { rejectsWith, scenario } from './contract-fixtures';

const CHAT = '/v1/chat/completions' as const;

describe('OpenAI adapter contract (emulator, no Temporal)', () => {
  const suite = openAiFamilyContract('openai', { batches: '/v1/batches', files: '/v1/files', chat: '/v1/chat/completions' });

  it('sends flex requests with service_tier "flex"; out of capacity is `unavailable` with Retry-After', async () => {
    const rig = suite.rig();
    const body = rig.provider.buildBody({ messages: [{ role: 'user', content: 'The dashboard is very slow' }] }, { model: 'gpt-4o-mini', endpoint: CHAT, params: {} });
    rig.emulator.setScenario(scenario({ flex: { latencyMs: 5, unavailableRate: 0 } }));
    const answered = await rig.provider.sendSync({ customId: 'flex-1', body, endpoint: CHAT, tier: 'flex' });
    expect(answered).toMatchObject({ customId: 'flex-1', ok: true });
    expect(rig.emulator.inspect().syncRequests).toContainEqual(expect.objectContaining({ provider: 'openai', serviceTier: 'flex', count: 1 }));
    rig.emulator.setScenario(scenario({ flex: { latencyMs: 5, unavailableRate: 1, retryAfterSeconds: 4 } }));
    const unavailable = await rejectsWith(rig.provider.sendSync({ customId: 'flex-2', body, endpoint: CHAT, tier: 'flex' }), 'unavailable');
    expect(unavailable.details).toMatchObject({ status: 429, code: 'resource_unavailable', retryAfterMs: 4_000 });
    expect(unavailable.retryable).toBe(true);
  });

  it('reports its limits and capabilities as data', () => {
    const { provider } = suite.rig();
    expect(provider.name).toBe('openai');
    expect(provider.limits).toMatchObject({ maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200 * 1024 * 1024 });
    expect(provider.capabilities).toMatchObject({ batch: true, flex: true, realtime: true, batchMetadata: true });
  });
});
