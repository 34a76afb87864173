// @cc/media/credentials: agents' SIP credentials alone (the dashboard mints the browser
// softphone's), without loading the SIP stack.
export {
  type AgentSipCredentials,
  agentSipCredentials,
  identityOf,
  type SipIdentity,
  sipPassword,
} from "./src/sip/credentials.ts";
