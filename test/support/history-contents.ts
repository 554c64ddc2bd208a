/** Every string and byte field of a fetched history (protobuf objects: bytes are Uint8Array), for searching. */
export function contents(value: unknown, out: Buffer[] = [], seen = new Set<unknown>()): Buffer[] {
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') out.push(Buffer.from(value));
  else if (value instanceof Uint8Array) out.push(Buffer.from(value));
  else if (typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const member of Object.values(value)) contents(member, out, seen);
  }
  return out;
}

/** Whether any of the fields holds the marker. */
export const holds = (haystack: Buffer[], marker: string): boolean => haystack.some((b) => b.includes(marker));
