import type { EndpointFault, ResolvedScenario } from '../scenario';
import { ruleFires } from './rule-counter';

const compiled = new WeakMap<EndpointFault, RegExp>();

/** `*` matches one path segment, `**` any run of characters; a pattern starting with `^` is a regex. */
export function pathPattern(rule: EndpointFault): RegExp {
  let regex = compiled.get(rule);
  if (!regex) {
    const source = rule.path.startsWith('^')
      ? rule.path
      : `^${rule.path
        .split('**')
        .map((part) => part.split('*').map(escapeRegex).join('[^/]*'))
        .join('.*')}/?$`;
    regex = new RegExp(source);
    compiled.set(rule, regex);
  }
  return regex;
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The first endpoint fault that fires for this request, if any. Every matching rule counts the request
 * (for its `after` / `count`), in scenario order, until one fires.
 */
export function endpointFaultFor(
  scenario: ResolvedScenario,
  hits: Record<string, number>,
  method: string,
  pathname: string,
): EndpointFault | undefined {
  for (const [index, rule] of scenario.endpointFaults.entries()) {
    if (rule.method && rule.method !== method) continue;
    if (!pathPattern(rule).test(pathname)) continue;
    if (ruleFires(hits, `endpointFaults:${index}`, rule, scenario.seed)) return rule;
  }
  return undefined;
}
