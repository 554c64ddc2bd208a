import type { ResolvedJobSpec } from '../../src/spec/job-spec';

/**
 * A short, readable summary of a spec for the Temporal UI's memo (the full spec is in the workflow input).
 * Pure, so the client sets it at start and the job updates it when a generation changes the spec.
 */
export function specMemo(spec: ResolvedJobSpec, generation = 0): Record<string, unknown> {
  const prompt = 'messages' in spec.prompt
    ? spec.prompt.messages.map((m) => `${m.role}: ${m.content}`).join(' | ')
    : 'input' in spec.prompt
      ? spec.prompt.input
      : `builder ${spec.prompt.builder}@${spec.prompt.builderVersion}`;
  return {
    longhaul: {
      jobId: spec.jobId,
      generation,
      dataset: spec.dataset.path,
      provider: spec.provider,
      model: spec.model,
      endpoint: spec.endpoint,
      mode: spec.mode,
      taskVersion: spec.taskVersion,
      prompt: prompt.length > 300 ? `${prompt.slice(0, 300)}…` : prompt,
      outputSchema: spec.outputSchema?.name ?? null,
      limits: spec.limits,
      ...(spec.deadline ? { deadline: spec.deadline } : {}),
      labels: spec.labels,
    },
  };
}
