/** Test fixtures live in the model (they need no cdktf); re-exported here for bundle tests. */
export * from '@parity/model/testing';
