// wrangler phones home unless told not to (metrics, a cf.json fetch, an update check). These
// settings keep every wrangler run here on loopback; LOCAL-STACK.md has the strace that showed it.
export function offlineEnv(root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
    XDG_CONFIG_HOME: `${root}/.config`,
  };
}
