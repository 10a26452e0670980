// The marker a revoked key leaves in Redis, checked in each request's rate-limit round trip by
// Workers that hold the key in their cache (lib/key-cache.ts). It needs to outlive only the
// cache's entries (a minute); an hour leaves room for clocks and slow isolates. Here without the
// Worker's types, since the admin CLI (Node) writes it too.

export const revokedMarkerSeconds = 3600;

/** `<REDIS_PREFIX>:revoked:<key id>` */
export function revokedMarkerKey(prefix: string, keyId: string): string {
  return [prefix, "revoked", keyId].join(":");
}
