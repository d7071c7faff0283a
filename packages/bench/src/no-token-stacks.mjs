// What-if preload (node --import): cdktf records where every token was created, by
// Error.captureStackTrace on a plain object with an unlimited stack, and formats that stack at
// once; with source maps on (tsx turns them on) that formatting is most of synth's time. This
// formats nothing for plain objects; real Errors keep their usual stack. The same few lines,
// installed by packages/synth around synthesis, would be the change in Parity.
const previous = Error.prepareStackTrace;
Error.prepareStackTrace = (err, frames) =>
  err instanceof Error ? (previous ? previous(err, frames) : `${err}\n    at ${frames.join('\n    at ')}`) : '';
