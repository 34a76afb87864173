// @cc/pacing: the pacing decision core, its baselines, compliance rules, the call-control boundary
// the dialer drives (media implements it), the dialing list, the live service, and the simulator
// (with simulated telephony) the pacing benchmark runs on. See README.md for the snapshot/decision interface.

export * from "./src/campaigns.ts";
export * from "./src/compliance/abandon.ts";
export { DncList, normalisePhone } from "./src/compliance/dnc.ts";
export { DialingList, type ListLead, type SkipReason } from "./src/compliance/list.ts";
export * from "./src/compliance/profiles.ts";
export {
  DEFAULT_RETRY_RULES,
  nextAttemptAt,
  type RetryRules,
  retryRulesWith,
} from "./src/compliance/retry.ts";
export {
  type CallingWindow,
  calleeZones,
  insideWindow,
  localMinutes,
  nextWindowOpen,
} from "./src/compliance/window.ts";
export * from "./src/core/call-control.ts";
export * from "./src/core/index.ts";
export * as leadImport from "./src/import/index.ts";
export {
  AllocationLine,
  type AllocationOverview,
  AllocationRequest,
  type Assignment,
  allocateLeads,
  allocationOverview,
  assignmentEvents,
  ReallocationRequest,
  reallocateLeads,
  splitQuota,
} from "./src/lists/allocation.ts";
export {
  CLOSING_SKIPS,
  type DialingListOptions,
  type ListLeadInput,
  type ListOutcome,
  listKeys,
  localDay,
  RedisDialingList,
  type SkipReason as ListSkipReason,
  type TakenLead,
  type TakeResult,
  type Taker,
} from "./src/lists/dialing-list.ts";
export { type DncLookup, dialBlockReason } from "./src/lists/gate.ts";
export {
  DncStore,
  type ImportReport,
  importNumbers,
  listedOn,
  listNumber,
  type NumberList,
  NumberListStore,
  numberListKey,
} from "./src/lists/number-lists.ts";
export { type Launcher, type LaunchResult, listLauncher } from "./src/service/launcher.ts";
export { type LeadIntake, leadsDurableFor, startLeadIntake } from "./src/service/lead-intake.ts";
export { ListOutcomes } from "./src/service/list-outcomes.ts";
export {
  addLead,
  dueAtFor,
  isRealTimeLead,
  REAL_TIME_HEAD_START_MS,
  SpeedToLead,
} from "./src/service/real-time-leads.ts";
export {
  estimatesFromRates,
  PacingError,
  type PacingServiceOptions,
  startPacingService,
} from "./src/service/service.ts";
export { type AgentPlan, type ShiftParams, shiftPlans } from "./src/sim/agents.ts";
export {
  type CallOutcome,
  CampaignRunner,
  type DialTarget,
  type LeadSource,
  type RunnerEvent,
  type RunnerOptions,
} from "./src/sim/runner.ts";
export {
  amdFalsePositiveShare,
  type Scenario,
  SIM_START_MS,
  type SimResult,
  simulate,
  syntheticLeads,
} from "./src/sim/simulate.ts";
export { type Clock, RealClock, type TimerHandle, VirtualClock } from "./src/sim/telephony/clock.ts";
export {
  type CallPlan,
  type CustomerModel,
  type CustomerParams,
  customerModel,
  DEFAULT_CUSTOMERS,
  type TrueOutcome,
} from "./src/sim/telephony/customers.ts";
export { Rng } from "./src/sim/telephony/rng.ts";
export { SimCallControl, type SimTelephonyOptions } from "./src/sim/telephony/telephony.ts";
export {
  type TrialDialOptions,
  type TrialDialResult,
  type TrialNumber,
  type TrialNumberResult,
  trialDial,
  trialOutcomeOf,
  trialSample,
  trialScore,
} from "./src/trial/trial-dial.ts";
