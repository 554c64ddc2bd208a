import { formatCostComparison } from '../../src/report/value-format';

describe('formatCostComparison', () => {
  it('shows a saving that is the difference of the shown figures', () => {
    // 0.054 and 0.114 round to $0.05 and $0.11; the rounded difference 0.06 must read $0.06, not $0.05 from 0.0599
    expect(formatCostComparison(0.054, 0.1139)).toEqual({ paid: '$0.05', realtime: '$0.11', saved: '$0.06' });
  });

  it('uses four decimals for sub-cent figures and keeps them adding up', () => {
    expect(formatCostComparison(0.00123, 0.00456)).toEqual({ paid: '$0.0012', realtime: '$0.0046', saved: '$0.0034' });
  });

  it('shows a loss with a minus sign', () => {
    expect(formatCostComparison(0.3, 0.2)).toEqual({ paid: '$0.30', realtime: '$0.20', saved: '-$0.10' });
  });
});
