// What the Worker gets for zod's `locales` namespace (wrangler.toml [alias] maps zod's own
// `../locales/index.js` here). Importing `z` pulls in every one of zod's 60-odd message
// catalogues through `z.locales`, 18 % of the bundle (bench/HISTORY.md), and the Worker uses
// none of them: its messages are its own, in English, and zod configures English from
// `locales/en.js` directly. `z.locales.en` stays for anyone who asks for it by name.
export { default as en } from "zod/v4/locales/en.js";
