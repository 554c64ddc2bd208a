import { z } from 'zod';

/** The OpenAI webhook events that say a batch has ended (PROVIDERS.md); their `data.id` is the batch id. */
export const BATCH_ENDED_EVENTS = ['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled'] as const;
export type BatchEndedEvent = (typeof BATCH_ENDED_EVENTS)[number];

/**
 * An OpenAI webhook payload, as far as Longhaul reads it: `{id, type, created_at, data: {id}}`. Other event
 * types (responses, fine-tuning, evals) pass the schema and are acknowledged without action.
 */
export const WebhookEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  created_at: z.number().optional(),
  data: z.looseObject({ id: z.string().min(1) }).optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** The batch id of a batch-ended event, or undefined for any other event. */
export function endedBatchId(event: WebhookEvent): string | undefined {
  return (BATCH_ENDED_EVENTS as readonly string[]).includes(event.type) ? event.data?.id : undefined;
}
