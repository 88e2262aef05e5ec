/** The names of the input formats (their readers: src/ingest/formats/), in detection order; `auto` detects. */
export const INPUT_FORMAT_NAMES = ['ms-swift', 'llamafactory', 'data-juicer', 'gad'] as const;
export type InputFormatName = (typeof INPUT_FORMAT_NAMES)[number];
