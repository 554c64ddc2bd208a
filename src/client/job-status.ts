/**
 * The status a user sees for a job's run: Temporal's own end wins when the workflow could not record one
 * (a terminate, a failure, a timeout leave LonghaulStatus at its last value, e.g. "running"); otherwise the
 * job's LonghaulStatus search attribute (queued, preparing, running, completed, cancelled...).
 */
export function jobStatus(temporalStatus: string, recorded: string | undefined): string {
  switch (temporalStatus) {
    case 'TERMINATED':
    case 'FAILED':
    case 'TIMED_OUT':
      return temporalStatus.toLowerCase();
    case 'CANCELLED':
      return recorded && recorded !== 'running' && recorded !== 'preparing' && recorded !== 'queued' ? recorded : 'cancelled';
    case 'RUNNING':
      return recorded ?? 'running';
    default:
      return recorded ?? temporalStatus.toLowerCase();
  }
}
