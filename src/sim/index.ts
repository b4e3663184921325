/** The transaction simulator: the public API for commands, tests and benchmarks. */
export { generateDays, Simulator, SECONDS_PER_DAY, type DayBatch, type RowOrder } from './generateDays.js';
export { resolveSimParams, SIM_DEFAULTS, type SimParams } from './params.js';
export { simulateToLake, type SimulateDeps, type SimulateSummary } from './simulateToLake.js';
export { simulateToRaw, RAW_HEADER, type RawOptions, type RawSummary } from './rawDump.js';
export { DEFECT_KINDS, NEGATIVE_CUSTOMER, type DefectCounts, type DefectKind } from './defects.js';
export { addBatch, emptyStats, fraudRate, type SimStats } from './stats.js';
