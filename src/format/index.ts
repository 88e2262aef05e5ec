/** src/format: model profiles, exact image geometry and token counts, image processing, per-row formatting. */
export * from './resize.js';
export * from './write-target.js';
export * from './profile.js';
export * from './model-locate.js';
export * from './model-files.js';
export * from './template.js';
export * from './tokens.js';
export * from './image.js';
export * from './image-input.js';
export * from './image-size.js';
export * from './image-encode.js';
export * from './sample.js';
export * from './tokens-command.js';
