export { main, program } from './main.js';
export { genEnv } from './commands/gen.js';
export { synth, resolveOrFail } from './commands/synth.js';
export { validate } from './commands/validate.js';
export { renderSchemas, schemas } from './commands/schemas.js';
export * from './terraform.js';
export { check, runCheck, formatMarkdown, formatTerminal } from './commands/check.js';
