import { countTokensOffThread } from '../../src/dataset/token-counts';
import { countTokens } from '../../src/dataset/token-estimator';
import { closeSharedPools, threadScript } from '../../src/threads/thread-pool';

describe('token counts on the token thread', () => {
  afterAll(() => closeSharedPools());

  it('runs on the built thread script', () => {
    expect(threadScript('dataset/token-thread')).toMatch(/dist\/src\/dataset\/token-thread\.js$/);
  });

  it('counts each text as countTokens does here, in order', async () => {
    const texts = ['Hello world', '', 'Subject: refund\n\nI was charged twice <|endoftext|> please help', '請求書が二重に発行されました', 'a'.repeat(2_000), 'word '.repeat(40_000)];
    expect(await countTokensOffThread(texts)).toEqual(texts.map(countTokens));
  });

  it('answers nothing for nothing, and many calls at once each their own', async () => {
    expect(await countTokensOffThread([])).toEqual([]);
    const calls = Array.from({ length: 5 }, (_, i) => ['x'.repeat(i + 1), `call ${i}`]);
    expect(await Promise.all(calls.map((texts) => countTokensOffThread(texts)))).toEqual(calls.map((texts) => texts.map(countTokens)));
  });
});
