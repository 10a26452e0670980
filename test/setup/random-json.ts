// Random JSON values for signature tests: deterministic (seeded), nested, with text from many
// scripts: accents, CJK, emoji (surrogate pairs), combining marks, right-to-left, line and
// paragraph separators, quotes, backslashes and control characters. No NUL and no lone
// surrogates, which PostgreSQL's jsonb refuses.

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ["a", "Z", " ", "é", "ß", "Ω", "ж", "日本語", "中文", "한국어", "🎉", "👩‍💻", "🇫🇷", "e\u0301", "עברית", "العربية", "\u2028", "\u2029", '"', "\\", "/", "\n", "\t", "\u0001", "\u007f", "€", "𝄞", "{}", "[]", "<script>"];

export function randomString(random: () => number, max = 24): string {
  let s = "";
  const n = Math.floor(random() * max);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(random() * pieces.length)];
  return s;
}

export function randomJson(random: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = 1 + Math.floor(random() * 6);
  for (let i = 0; i < n; i++) {
    const key = randomString(random, 4) || `k${i}`;
    const pick = random();
    out[key] =
      pick < 0.35 ? randomString(random)
      : pick < 0.5 ? Math.round((random() - 0.5) * 1e6) / 100
      : pick < 0.6 ? Math.floor(random() * Number.MAX_SAFE_INTEGER)
      : pick < 0.67 ? random() < 0.5
      : pick < 0.72 ? null
      : pick < 0.86 && depth < 3 ? randomJson(random, depth + 1)
      : [randomString(random, 6), Math.floor(random() * 100), depth < 3 ? randomJson(random, depth + 1) : null];
  }
  return out;
}
