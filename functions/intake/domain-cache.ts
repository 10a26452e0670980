import type { DomainContext } from "../../db/queries/intake-context.ts";

// Each domain's intake settings (hours, cap, consent, country) as the last intake write in this
// isolate read them, so the next intake on the domain decides its callback's first lawful moment
// without a read of its own. Nothing is ever decided on a stale entry: the write checks the
// settings in its own snapshot and writes nothing if they changed (db/queries/intake.ts), and the
// entry is then replaced. What an entry can still get wrong, for its lifetime at most: the
// country a national number is read in (the write notices, and intake starts over), and a
// consent refusal, which is confirmed by a read before it is given.

type Owner = { workspaceId: string; mode: "live" | "test" };
type Entry = { domain: DomainContext; at: number };

const lifetimeMs = 10 * 60_000;
const maxEntries = 5_000;
const entries = new Map<string, Entry>();

const slot = (owner: Owner, domainId: string) => `${owner.workspaceId} ${owner.mode} ${domainId}`;

/** The domain as last seen, or undefined when this isolate has not seen it lately. */
export function rememberedDomain(owner: Owner, domainId: string, now = Date.now()): DomainContext | undefined {
  const entry = entries.get(slot(owner, domainId));
  if (!entry) return undefined;
  if (now - entry.at > lifetimeMs) {
    entries.delete(slot(owner, domainId));
    return undefined;
  }
  return entry.domain;
}

/** Remembers the domain as just read; null (no such domain of the caller's) forgets it. */
export function rememberDomain(owner: Owner, domainId: string | null, domain: DomainContext | null, now = Date.now()): void {
  if (!domainId) return;
  const name = slot(owner, domainId);
  entries.delete(name); // re-inserted last: the map's first entry is the oldest
  if (!domain) return;
  if (entries.size >= maxEntries) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  entries.set(name, { domain, at: now });
}

// Which domain a Brightcall widget_key names. A widget key is made with its domain and never
// changes (PATCH /v1/domains refuses it), and domains are not deleted, so the answer never goes
// stale; the intake statement still checks the domain is the caller's.
type WidgetDomain = { id: string; workspaceId: string; mode: "live" | "test" };
const widgetDomains = new Map<string, WidgetDomain>();

export function rememberedWidgetDomain(widgetKey: string): WidgetDomain | undefined {
  return widgetDomains.get(widgetKey);
}

export function rememberWidgetDomain(widgetKey: string, domain: WidgetDomain): void {
  if (widgetDomains.size >= maxEntries) {
    const oldest = widgetDomains.keys().next().value;
    if (oldest !== undefined) widgetDomains.delete(oldest);
  }
  widgetDomains.set(widgetKey, { id: domain.id, workspaceId: domain.workspaceId, mode: domain.mode });
}
