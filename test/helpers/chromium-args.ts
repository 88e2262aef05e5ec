/**
 * The arguments of a headless Chromium for the tests: no sandbox, GPU, QUIC, first-run page, background networking,
 * component updates or sync; a throwaway `profile` folder; `pipe` adds --remote-debugging-pipe (the DevTools
 * protocol on fds 3 and 4); `rest` follows (--screenshot=..., the page).
 */
export function chromiumArgs(p: { profile: string; pipe?: boolean; rest: string[] }): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    ...(p.pipe ? ['--remote-debugging-pipe'] : []),
    `--user-data-dir=${p.profile}`,
    ...p.rest,
  ];
}
