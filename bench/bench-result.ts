/**
 * One figure a benchmark reports. `baseline` is a reference measured in the same run (e.g. plain fs
 * streams for the same bytes) so a reader can judge the figure on this machine.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  note?: string;
}
