import type { BatchProvider, RenderedPrompt } from '../providers/batch-provider';
import type { ResolvedJobSpec } from '../spec/job-spec';
import { compileTemplate } from './prompt-template';

/**
 * A request builder for code users: turns a row into messages, an input, or a whole request body. Registered
 * on the worker by name (functions cannot travel through workflow histories); the spec names it and carries
 * a version string that changes whenever the builder's output would.
 */
export type RequestBuilder = (row: Record<string, unknown>) => RenderedPrompt;
export type RequestBuilders = Readonly<Record<string, RequestBuilder>>;

export class UnknownBuilderError extends Error {
  override readonly name = 'UnknownBuilderError';
}

export interface RenderedRequest {
  body: Record<string, unknown>;
  /** The prompt's texts, for token estimates. */
  texts: string[];
}

/**
 * Compiles the spec's prompt once and returns a function that renders one row into a provider request body.
 * The function throws MissingFieldError (with the field and where it is used) for rows that lack a field.
 * @throws UnknownBuilderError when the spec names a builder the worker does not have.
 */
export function createRequestRenderer(
  spec: Pick<ResolvedJobSpec, 'prompt' | 'model' | 'endpoint' | 'params' | 'outputSchema'>,
  provider: Pick<BatchProvider, 'buildBody'>,
  builders: RequestBuilders = {},
): (row: Record<string, unknown>) => RenderedRequest {
  const shape = {
    model: spec.model,
    endpoint: spec.endpoint,
    params: spec.params,
    ...(spec.outputSchema ? { outputSchema: spec.outputSchema } : {}),
  };
  const prompt = spec.prompt;
  if ('builder' in prompt) {
    const builder = builders[prompt.builder];
    if (!builder) {
      const known = Object.keys(builders);
      throw new UnknownBuilderError(
        `request builder "${prompt.builder}" is not registered on this worker (known: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    return (row) => {
      const rendered = builder(row);
      const body = provider.buildBody(rendered, shape);
      return { body, texts: textsOf(rendered) };
    };
  }
  if ('input' in prompt) {
    const template = compileTemplate(prompt.input, 'prompt.input');
    return (row) => {
      const input = template.render(row);
      return { body: provider.buildBody({ input }, shape), texts: [input] };
    };
  }
  const templates = prompt.messages.map((m, i) => ({ role: m.role, template: compileTemplate(m.content, `prompt.messages[${i}].content`) }));
  return (row) => {
    const messages = templates.map((m) => ({ role: m.role, content: m.template.render(row) }));
    return { body: provider.buildBody({ messages }, shape), texts: messages.map((m) => m.content) };
  };
}

function textsOf(prompt: RenderedPrompt): string[] {
  if ('messages' in prompt) return prompt.messages.map((m) => m.content);
  if ('input' in prompt) return [prompt.input];
  return [JSON.stringify(prompt.body)];
}
