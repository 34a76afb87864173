export {
  type CustomerCard,
  customerCard,
  type LeadHistoryRow,
  leadHistoryQuery,
} from "./console-queries.ts";
export { CALL_STAGES, type CallStage, LIVE_PREFIX, liveKeys } from "./keys.ts";
export {
  applyEvent,
  type LiveRedis,
  LiveStateError,
  type LiveStateLogger,
  type LiveStateProjector,
  type LiveStateProjectorOptions,
  startLiveStateProjector,
} from "./projector.ts";
export {
  type LiveAgent,
  type LiveCall,
  type LiveCampaignCalls,
  type LivePacingDecision,
  type LiveScope,
  liveAgentVisible,
  liveCampaignVisible,
  readLatestPacing,
  readLiveAgent,
  readLiveAgents,
  readLiveCalls,
  readLiveCampaignIds,
  readLiveOrgs,
  STALE_CALL_MS,
} from "./readers.ts";
export { type BoundParam, type BoundQuery, displaySql, param, sql } from "./sql.ts";
export {
  runWallboardQueries,
  type WallboardQueryName,
  type WallboardRows,
  type WallboardWindow,
  wallboardQueries,
} from "./wallboard-queries.ts";
