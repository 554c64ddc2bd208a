import { CliError, type CliCommand } from '../cli-command';
import { stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';

/**
 * `longhaul webhooks`: receives OpenAI batch webhooks (batch.completed, .failed, .expired, .cancelled),
 * checks their signature, and wakes the shard waiting on that batch, so a job reacts at once instead of at
 * its next poll. Put it behind a TLS proxy and register its public URL with the provider.
 */
export const webhooksCommand: CliCommand = {
  name: 'webhooks',
  summary: 'Receive OpenAI batch webhooks and wake the waiting shards at once',
  usage: '[--port N] [--host H] [--path P] [--account NAME]',
  help: [
    '  --port N              port to listen on (default 8788)',
    '  --host H              interface (default 127.0.0.1; expose it through a TLS proxy)',
    '  --path P              path the provider posts to (default /webhooks/openai)',
    '  --account NAME        provider account whose batches the events are about (default openai)',
    'The signing secret (whsec_...) comes from LONGHAUL_WEBHOOK_SECRET. Provider keys as for the worker.',
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, port: { type: 'string' }, host: { type: 'string' }, path: { type: 'string' }, account: { type: 'string' } },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const secret = process.env.LONGHAUL_WEBHOOK_SECRET;
    if (!secret) throw new CliError('set LONGHAUL_WEBHOOK_SECRET to the endpoint signing secret (whsec_...)', 2);
    const port = Number(stringFlag(ctx.values.port) ?? 8788);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, not "${stringFlag(ctx.values.port)}"`, 2);
    return withClient(ctx, async (client) => {
      const account = stringFlag(ctx.values.account);
      const host = stringFlag(ctx.values.host);
      const path = stringFlag(ctx.values.path);
      const receiver = await client.startWebhookReceiver({
        port,
        secret,
        ...(host ? { host } : {}),
        ...(path ? { path } : {}),
        ...(account ? { account } : {}),
        log: (line) => ctx.stdout.write(`${line}\n`),
      });
      ctx.stdout.write(`Receiving OpenAI batch webhooks at ${receiver.url} (Ctrl-C to stop)\n`);
      await ctx.interrupted;
      await receiver.stop();
      return 0;
    });
  },
};
