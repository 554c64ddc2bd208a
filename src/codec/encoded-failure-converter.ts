import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The failure converter of processes with a payload key: a failure's message and stack trace move into its
 * encoded attributes, which the payload codec encrypts (a provider's error text can echo a prompt). The history
 * shows "Encoded failure"; clients and workers with the key read the message as before. Loaded by path
 * (`failureConverterPath`), as Temporal requires. Workers that bundle workflows at start bundle it too; a
 * prebuilt bundle keeps the default for failures raised by workflow code, which carry ids and counts.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
