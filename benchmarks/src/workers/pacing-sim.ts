// Worker for `npm run bench -- pacing`: runs simulation jobs posted by the parent (one scenario ×
// algorithm × seed each) and posts back the result without the runner (not transferable).
import { parentPort } from "node:worker_threads";
import { predictive, progressive, type Scenario, simulate, vicidial } from "@cc/pacing";

export type PacingAlgo = "bound" | "reference" | "progressive" | "vicidial" | "predictive";
export interface PacingJob {
  id: number;
  scenario: Scenario;
  algo: PacingAlgo;
}

function algorithm(a: PacingAlgo) {
  if (a === "bound") return "oracle" as const;
  // The Erlang-style reference: the simulator hands it the scenario's true distributions.
  if (a === "reference") return "reference" as const;
  if (a === "progressive") return progressive(1);
  if (a === "vicidial") return vicidial();
  return predictive();
}

parentPort?.on("message", (job: PacingJob | null) => {
  if (job === null) {
    parentPort?.close();
    return;
  }
  const { runner: _runner, ...result } = simulate(job.scenario, algorithm(job.algo));
  parentPort?.postMessage({ id: job.id, result });
});
