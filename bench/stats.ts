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

/** dock-fire's median over runc's, when both exist. */
export function ratio(ours?: Summary, theirs?: Summary): number | undefined {
  if (!ours || !theirs || theirs.median <= 0) return undefined;
  return ours.median / theirs.median;
}
