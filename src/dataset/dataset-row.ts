/**
 * One dataset item as read: its 0-based position among items (`seq`, the job's identity for it), the 1-based
 * line where it starts in the file, and either the parsed row or why it could not be parsed.
 */
export type DatasetRow =
  | { seq: number; line: number; row: Record<string, unknown>; error?: undefined }
  | { seq: number; line: number; row?: undefined; error: string };
