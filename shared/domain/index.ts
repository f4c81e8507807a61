/**
 * The import rules engine: pure functions over the vocabulary of `model.ts`. The splitter calls
 * `parseObjectKey`, `mapHeader` and `createRowValidator`; the processor calls `rowIdentities`,
 * `keyIdentity`, `identitiesOf` and `decide`.
 */
export * from './channels.js';
export * from './codes.js';
export * from './decide.js';
export * from './errors.js';
export * from './header.js';
export * from './identities.js';
export * from './limits.js';
export * from './model.js';
export * from './normalise/custom.js';
export * from './normalise/dates.js';
export * from './normalise/phone.js';
export * from './normalise/text.js';
export * from './row.js';
export * from './status.js';
