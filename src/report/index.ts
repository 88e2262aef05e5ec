/**
 * Rendering a `Report` (the numbers `validate`'s `ReportBuilder` makes): report.html, the terminal table, and
 * the two report files in a folder. Imports `core` and `validate`; neither imports it.
 */
export { renderReportHtml, REASON_TEXT } from './html.js';
export { renderReportTerminal } from './terminal.js';
export { configuredLevel, CONFIGURED_LEVEL_TEXT, type ConfiguredLevel } from './levels.js';
export { writeReportFiles } from './write.js';
