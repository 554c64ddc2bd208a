import type { BatchProvider, RenderedPrompt } from '../providers/batch-provider';
import type { ResolvedJobSpec } from '../spec/job-spec';
import { compileBodyTemplate, identityOfValues, type BodyPlan } from './body-template';
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
  /** The provider request body, serialized. */
  bodyJson: string;
  /**
   * What distinguishes this request from others of the same task version (hashed into its request key): the
   * template's values, length-prefixed so no two value lists read alike; the whole body for builders.
   */
  identity: string;
  /** Characters of prompt text (for token estimates). */
  promptChars: number;
  /** How many messages the prompt has. */
  messageCount: number;
  /** The prompt's texts (for exact token counts of samples; computed on demand). */
  texts(): string[];
}

/** Renders one row into a provider request body. @throws MissingFieldError */
export interface RequestRenderer {
  (row: Record<string, unknown>): RenderedRequest;
  /**
   * The compiled body (JSON text with holes) once a rendered row has confirmed it matches building and
   * serializing the body; undefined before that, and for request builders or bodies that cannot be compiled.
   */
  verifiedPlan(): BodyPlan | undefined;
}

function withoutPlan(render: (row: Record<string, unknown>) => RenderedRequest): RequestRenderer {
  return Object.assign(render, { verifiedPlan: () => undefined });
}

/**
 * Compiles the spec's prompt once and returns a function that renders one row into a provider request body.
 * Message and input templates take a fast path (the body is compiled to JSON text with holes, checked on the
 * first row against building and serializing the body); request builders build and serialize each body.
 * The function throws MissingFieldError (with the field and where it is used) for rows that lack a field.
 * @throws UnknownBuilderError when the spec names a builder the worker does not have.
 */
export function createRequestRenderer(
  spec: Pick<ResolvedJobSpec, 'prompt' | 'model' | 'endpoint' | 'params' | 'outputSchema'>,
  provider: Pick<BatchProvider, 'buildBody'>,
  builders: RequestBuilders = {},
): RequestRenderer {
  const shape = {
    model: spec.model,
    endpoint: spec.endpoint,
    params: spec.params,
    ...(spec.outputSchema ? { outputSchema: spec.outputSchema } : {}),
  };
  const build = (prompt: RenderedPrompt) => provider.buildBody(prompt, shape);
  const prompt = spec.prompt;
  if ('builder' in prompt) {
    const builder = builders[prompt.builder];
    if (!builder) {
      const known = Object.keys(builders);
      throw new UnknownBuilderError(
        `request builder "${prompt.builder}" is not registered on this worker (known: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    return withoutPlan((row) => slowRequest(builder(row), build));
  }
  const kind = 'input' in prompt ? 'input' : 'messages';
  const templates =
    'input' in prompt
      ? [{ role: undefined, template: compileTemplate(prompt.input, 'prompt.input'), where: 'prompt.input' }]
      : prompt.messages.map((m, i) => ({ role: m.role, template: compileTemplate(m.content, `prompt.messages[${i}].content`), where: `prompt.messages[${i}].content` }));
  const renderPrompt = (row: Record<string, unknown>): RenderedPrompt =>
    'input' in prompt ? { input: templates[0]!.template.render(row) } : { messages: templates.map((t) => ({ role: t.role!, content: t.template.render(row) })) };
  const slow = (row: Record<string, unknown>) => slowRequest(renderPrompt(row), build);
  const fast = compileBodyTemplate(templates, build, kind);
  if (!fast) return withoutPlan(slow);
  let checked = false;
  let useFast = true;
  const render = (row: Record<string, unknown>): RenderedRequest => {
    if (!useFast) return slow(row);
    const rendered = fast.render(row);
    if (!checked) {
      checked = true;
      const reference = slow(row);
      if (reference.bodyJson !== rendered.bodyJson) {
        useFast = false;
        return reference;
      }
    }
    return {
      bodyJson: rendered.bodyJson,
      identity: identityOfValues(rendered.values),
      promptChars: rendered.promptChars,
      messageCount: templates.length,
      texts: () => textsOf(renderPrompt(row)),
    };
  };
  return Object.assign(render, { verifiedPlan: () => (checked && useFast ? fast.plan : undefined) });
}

function slowRequest(prompt: RenderedPrompt, build: (prompt: RenderedPrompt) => Record<string, unknown>): RenderedRequest {
  const texts = textsOf(prompt);
  const bodyJson = JSON.stringify(build(prompt));
  return { bodyJson, identity: `body:${bodyJson}`, promptChars: texts.reduce((n, t) => n + t.length, 0), messageCount: texts.length, texts: () => texts };
}

function textsOf(prompt: RenderedPrompt): string[] {
  if ('messages' in prompt) return prompt.messages.map((m) => m.content);
  if ('input' in prompt) return [prompt.input];
  return [JSON.stringify(prompt.body)];
}
