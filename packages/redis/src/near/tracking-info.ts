// Shared by the tracking links of both client libraries (ioredis-link.ts, node-redis/near-link.ts).

/**
 * `CLIENT TRACKINGINFO` as a flat array (RESP2), a Map (ioredis 6's RESP3 types) or a plain object
 * (node-redis on RESP3).
 */
export function readTrackingInfo(info: unknown): { flags: string[]; redirect: number | undefined } {
  let fields: Record<string, unknown> = {};
  if (Array.isArray(info)) {
    for (let index = 0; index + 1 < info.length; index += 2) {
      fields[String(info[index])] = info[index + 1];
    }
  } else if (info instanceof Map) {
    fields = Object.fromEntries(info);
  } else if (typeof info === 'object' && info !== null) {
    fields = info as Record<string, unknown>;
  }
  // RESP3 reply types give the flags as a Set.
  const flags =
    Array.isArray(fields.flags) || fields.flags instanceof Set ? [...fields.flags].map(String) : [];
  const redirect = fields.redirect === undefined ? undefined : Number(fields.redirect);
  return { flags, redirect };
}
