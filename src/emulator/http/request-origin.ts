import type { IncomingMessage } from 'node:http';

/** A Host header value: a name, an IPv4 address or a bracketed IPv6 address, with an optional port. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin (`scheme://host[:port]`) the client called, for URLs the emulator hands out (Anthropic
 * `results_url`): the request's Host header, with the scheme a proxy in front reports in `forwarded`
 * (`proto=`) or `x-forwarded-proto` (the first hop's, http or https), else http. The listen address is no
 * use to a client (`--host 0.0.0.0` cannot be fetched): `fallback` serves only a request without a usable Host.
 */
export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host?.trim();
  if (!host || !HOST_PATTERN.test(host)) return fallback;
  return `${forwardedProto(req) ?? 'http'}://${host}`;
}

/** The scheme of the first hop a proxy reports, when it is http or https. */
function forwardedProto(req: IncomingMessage): string | undefined {
  const forwarded = firstHop(req.headers.forwarded);
  const fromForwarded = forwarded && /(?:^|;)\s*proto="?([A-Za-z]+)"?/i.exec(forwarded)?.[1];
  const proto = (fromForwarded || firstHop(req.headers['x-forwarded-proto']))?.toLowerCase();
  return proto === 'http' || proto === 'https' ? proto : undefined;
}

/** The first element of a comma-separated, possibly repeated header (the hop nearest the client). */
function firstHop(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0]?.trim() || undefined;
}
