/** A data plane that could not do what a drill step asked (a server that would not start, a standby not streaming, nothing to restore). */
export class DataPlaneFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataPlaneFailed';
  }
}

/** The data that came back is not what was committed: a hole, a row never written, a checksum that does not verify. */
export class DataNotIntact extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'DataNotIntact';
  }
}
