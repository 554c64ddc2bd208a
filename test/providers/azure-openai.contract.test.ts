import { openAiFamilyContract } from './openai-family-contract';
import { scenario, waitFor, writeShard } from './contract-fixtures';

const CHAT = '/v1/chat/completions' as const;

describe('Azure OpenAI adapter contract (AzureOpenAI client against the emulator, no Temporal)', () => {
  const suite = openAiFamilyContract('azure-openai', {
    batches: '/openai/batches',
    files: '/openai/files',
    chat: '/openai/deployments/*/chat/completions',
  });

  it('speaks Azure paths: /openai/files and /openai/batches, chat through /openai/deployments/<model>', async () => {
    const rig = suite.rig();
    rig.emulator.setScenario(scenario());
    rig.log.length = 0;
    const input = writeShard(rig, { count: 2, model: 'gpt-4o-mini', endpoint: CHAT });
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(input)).batchId);
    expect(status.phase).toBe('completed');
    const body = rig.provider.buildBody({ messages: [{ role: 'user', content: 'Export fails' }] }, { model: 'gpt-4o-mini', endpoint: CHAT, params: {} });
    expect(await rig.provider.sendSync({ customId: 'az-1', body, endpoint: CHAT, tier: 'standard' })).toMatchObject({ ok: true });
    expect(rig.log).toEqual(expect.arrayContaining([
      'POST /openai/files 200',
      'POST /openai/batches 200',
      expect.stringMatching(/^GET \/openai\/batches\/batch_\w+ 200$/),
      'POST /openai/deployments/gpt-4o-mini/chat/completions 200',
    ]));
    expect(rig.log.some((line) => / \/v1\//.test(line))).toBe(false);
    // the input lines keep the documented `/v1/chat/completions` url (Microsoft's batch guide, current version)
    expect(rig.emulator.inspect().batches.openai.find((b) => b.id === status.batchId)?.endpoint).toBe(CHAT);
  });

  it('reports Azure limits and capabilities as data', () => {
    const { provider } = suite.rig();
    expect(provider.name).toBe('azure-openai');
    expect(provider.limits).toMatchObject({ maxRequestsPerBatch: 100_000, maxBytesPerBatch: 200 * 1024 * 1024 });
    expect(provider.capabilities).toMatchObject({ batch: true, flex: false, realtime: true, batchMetadata: true });
  });
});
