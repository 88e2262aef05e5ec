/** Options as commander parses them: untyped here; each value is checked where it is used (the config schema). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CliOptions = Record<string, any>;
