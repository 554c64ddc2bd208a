import type { BlobStore } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';
import type { JobReport } from './job-report';

/**
 * The report the job's latest finalize wrote to its folder in the blob store (finalize always keeps this copy,
 * also when the spec's output.dir gets another). What a client reads when the workflow has no result to give: a
 * job whose Temporal run ended cancelled, or a reprocess that was refused.
 * @returns undefined when the job never finalized.
 */
export async function readStoredReport(blobs: BlobStore, jobId: string): Promise<JobReport | undefined> {
  const key = jobLayout.report(jobId);
  if (!(await blobs.exists(key))) return undefined;
  let text = '';
  for await (const chunk of blobs.read(key)) text += String(chunk);
  return JSON.parse(text) as JobReport;
}

/** The reports of the job's earlier generations still in storage (oldest first), for a side-by-side view. */
export async function readEarlierReports(blobs: BlobStore, jobId: string, generation: number): Promise<JobReport[]> {
  const reports: JobReport[] = [];
  for (let g = 0; g < generation; g++) {
    const key = jobLayout.generationReport(jobId, g);
    if (!(await blobs.exists(key))) continue;
    let text = '';
    for await (const chunk of blobs.read(key)) text += String(chunk);
    reports.push(JSON.parse(text) as JobReport);
  }
  return reports;
}
