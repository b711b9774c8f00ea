// The separation metrics live with the certainty score they measure (certainty/separation-metrics.ts), so that
// `--method auto` can rank candidates without importing evaluate; evaluate keeps this name for its callers.
export * from '../certainty/separation-metrics.js';
