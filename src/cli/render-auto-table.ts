// Text rendering of the table of candidates `ood enable --method auto` tried (its --json output holds the same
// record, `ood.auto` in the metadata).

/** The auto record as the table shows it. */
export interface AutoTable {
  chosen: string;
  chosenFlags: string;
  criterion: string;
  oodSets: { name: string; samples: number }[];
  candidates: {
    label: string;
    meanAuroc: number;
    score: number;
    meanFprAt95Tpr: number;
    microsecondsPerRow: number;
    /** Within one bootstrap standard error of the best score: the tie rule picks among these. */
    tied?: boolean;
    error?: string;
  }[];
}

/**
 * The candidates auto tried, in the order of their score, the chosen one marked: under the tie rule it is the
 * tied candidate with the lowest FPR@95%TPR, not always the first row, and the others it tied with are marked too.
 */
export function renderAutoTable(auto: AutoTable): string[] {
  const lines = [
    `  auto          chose ${auto.chosen} by score on ${auto.oodSets.map((s) => `${s.name} (${s.samples})`).join(', ')}`,
    `                the same method without auto: ${auto.chosenFlags}`,
    `                ranked by ${auto.criterion}`,
    `                candidate                score  AUROC  FPR@95  us/row`,
  ];
  for (const c of auto.candidates) {
    const mark = c.label === auto.chosen ? '  chosen' : c.tied ? '  tied' : '';
    const cells = c.error
      ? `not fitted: ${c.error}`
      : `${c.score.toFixed(3)}  ${c.meanAuroc.toFixed(3)}  ${c.meanFprAt95Tpr.toFixed(3)}   ${c.microsecondsPerRow.toFixed(1).padStart(6)}${mark}`;
    lines.push(`                ${c.label.padEnd(24)} ${cells}`);
  }
  return lines;
}
