export { type BuildRow, type OpenedBuild, openBuild, readBuildRows, bundledStudentFile } from './build-rows.js';
export { loadBuildProfile } from './build-profile.js';
export { type ExportManifest, type RecipeOptions, trainVal } from './common.js';
export { type RecipeTrainer, RECIPE_TRAINERS, RecipeCounter, trainerImageSettings, stripImEnd } from './lengths.js';
export { type RecipeReport, renderRecipeReport } from './report.js';
export { type SftOptions, type ExportResult, exportSft, sftLine, datasetInfo } from './sft.js';
export { exportPrompts } from './prompts.js';
export { type RmOptions, exportRm, readStudentFile, rmLine } from './rm.js';
