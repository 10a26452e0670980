// Form inputs the management pages share, and the readings of their text into API values. A
// value the console cannot read is passed on as typed, so the API's 422 names the field and says
// why, in its own words, as it would to any client.

/** A checkbox. Browsers send nothing for an unchecked box, so read it with `checked`. */
export function Check(props: { name: string; label: string; checked: boolean; value?: string }) {
  return (
    <label class="check">
      <input type="checkbox" name={props.name} value={props.value ?? "on"} checked={props.checked} />
      {props.label}
    </label>
  );
}

/** A checkbox's value, false when unchecked: the API is always told, never left to its default. */
export const checked = (fields: Record<string, string>, name: string) => name in fields;

/** "a, b,,c" → ["a", "b", "c"]; commas or line breaks separate. */
export const listOf = (text: string | undefined) => (text ?? "").split(/[,\n]/).map((v) => v.trim()).filter(Boolean);

/** A whole number as a number; anything else as typed, for the API to refuse by name. */
export const wholeOr = (text: string | undefined) => (/^-?\d{1,9}$/.test(text ?? "") ? Number(text) : (text ?? ""));

/** Empty text is null: the API's way to clear a field. */
export const orNull = (text: string | undefined) => (text ? text : null);

/** JSON from a textarea (empty: null), or the text as typed when it is not JSON. */
export function jsonOr(text: string | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Weekly hours for a textarea: one day a line, so a person can edit it. */
export function hoursText(hours: unknown): string {
  if (!hours || typeof hours !== "object") return "";
  const days = Object.entries(hours as Record<string, unknown>).map(([day, ranges]) => `  ${JSON.stringify(day)}: ${JSON.stringify(ranges)}`);
  return days.length ? `{\n${days.join(",\n")}\n}` : "{}";
}
