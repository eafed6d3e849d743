/** Summaries of repeated measurements: the median is the figure, min and max its spread. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
  /** Every sample, in the order taken. */
  samples: number[];
}

/** One line of the results: a figure of dock-fire's beside runc's for the same work. */
export interface Row {
  name: string;
  unit: string;
  dockFire?: Summary;
  runc?: Summary;
  ratio?: number;
  accel?: string;
}

export function summarize(samples: number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length, samples };
}

/** Figures of which more is better (MiB/s); every other figure is a cost (ms, KiB). */
export function higherIsBetter(unit: string): boolean {
  return unit.endsWith('/s');
}

/**
 * How many times runc's cost dock-fire's is, when both exist: >1 is worse
 * than runc. A throughput is inverted (runc's over ours) to mean the same.
 */
export function ratio(unit: string, ours?: Summary, theirs?: Summary): number | undefined {
  if (!ours || !theirs || ours.median <= 0 || theirs.median <= 0) return undefined;
  return higherIsBetter(unit) ? theirs.median / ours.median : ours.median / theirs.median;
}
