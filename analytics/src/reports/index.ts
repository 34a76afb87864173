// Reports for analysts and managers: funnel, advertising ROI, agent workload, call quality.
// Every report returns its rows (zod-validated) and the SQL + bound params that produced
// them, so the dashboard can open any number as the SQL behind it.
export {
  FUNNEL_STEPS,
  FunnelBreakdown,
  type FunnelGroup,
  FunnelParams,
  type FunnelReport,
  FunnelRow,
  type FunnelStep,
  type FunnelStepFigures,
  funnelFigures,
  funnelReport,
  funnelSql,
} from "./funnel.ts";
export { type FunnelRefresh, refreshFunnelLeads } from "./funnel-leads.ts";
export {
  POOR_MOS,
  QualityGroupBy,
  QualityParams,
  QualityRow,
  qualityReport,
  qualitySql,
} from "./quality.ts";
export {
  chDateTime,
  type ReportClient,
  ReportQueryError,
  type ReportResult,
  type ReportSql,
  runReport,
} from "./query.ts";
// Test support: a seeded scenario and reference figures computed in plain TypeScript.
export {
  expectedFunnel,
  expectedRoiByChannel,
  expectedWorkloadByAgentHour,
  type FunnelExpectation,
  type RoiExpectation,
} from "./reference.ts";
export {
  AttributionModel,
  type HeatmapCell,
  RoiGroupBy,
  RoiParams,
  type RoiReport,
  RoiRow,
  roiReport,
  roiSql,
  roiTotal,
} from "./roi.ts";
export { buildScenario, rng, type Scenario, type ScenarioOptions } from "./scenario.ts";
export { type ScopeSql, scopeSql, VisibilityScope } from "./scope.ts";
export {
  WORKLOAD_CSV_COLUMNS,
  WorkloadGrain,
  WorkloadParams,
  WorkloadRow,
  workloadReport,
  workloadSql,
} from "./workload.ts";
