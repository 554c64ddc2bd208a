import { createProviderRegistry, ProviderConfigError } from '../../src/providers/provider-registry';
import { openAiFamilyContract } from './openai-family-contract';

describe('OpenAI-compatible host contract (the OpenAI adapter under `openai-compatible`, against the emulator)', () => {
  const suite = openAiFamilyContract('openai-compatible', { batches: '/v1/batches', files: '/v1/files', chat: '/v1/chat/completions' });

  it('runs under its own name with the shared compatible-host limits row', () => {
    const { provider } = suite.rig();
    expect(provider.name).toBe('openai-compatible');
    expect(provider.limits).toMatchObject({ maxRequestsPerBatch: 50_000, maxBytesPerBatch: 100 * 1024 * 1024 });
    expect(provider.capabilities).toMatchObject({ batch: true, flex: false, realtime: true, batchMetadata: true });
  });

  it('needs a baseURL: there is no default host', () => {
    const registry = createProviderRegistry({ 'openai-compatible': { provider: 'openai-compatible', apiKey: 'k', timeoutMs: 1_000, flexTimeoutMs: 1_000 } });
    expect(() => registry.get('openai-compatible')).toThrow(ProviderConfigError);
  });
});
